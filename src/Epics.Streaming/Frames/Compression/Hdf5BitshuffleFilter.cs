using System.Buffers;
using System.Buffers.Binary;
using K4os.Compression.LZ4;

namespace Epics.Streaming.Frames.Compression;

/// <summary>
/// The HDF5 bitshuffle filter (id 32008, codec "bslz4" when LZ4-compressed). Parameters: major, minor, element size,
/// block size in elements (0 = default), compression (0 none, 2 lz4, 3 zstd). With LZ4 a chunk is an 8-byte big-endian
/// total size and a 4-byte big-endian block size in bytes, then per block a 4-byte big-endian compressed size and the
/// LZ4-compressed bit-rows of that block. Full blocks come first, then one block of the remaining elements rounded
/// down to a multiple of 8; the last (n mod 8) elements are stored as they are.
/// </summary>
internal sealed class Hdf5BitshuffleFilter : Hdf5CodecFilter
{
    public const ushort Id = 32008;
    private const int NoCompression = 0;
    private const int Lz4Compression = 2;
    private const int ZstdCompression = 3;

    public override ushort FilterId => Id;

    public override string Name => "bslz4";

    public override uint[] GetParameters(uint[] chunkDimensions, uint typeSize, Dictionary<string, object>? options) =>
        [0, 3, typeSize, 0, Lz4Compression];

    // Without compression the filter's output is the same size as its input, so it can never be told apart (nor is it
    // ever stored unfiltered: bitshuffle cannot fail to apply).
    public override bool IsUnfilteredChunk(ReadOnlySpan<byte> chunk, int chunkSize) => false;

    public override int DecodedLength(ReadOnlySpan<byte> chunk, uint[] parameters) =>
        Compression(parameters) == NoCompression ? chunk.Length : ReadTotal(chunk);

    public override int Decode(ReadOnlySpan<byte> chunk, uint[] parameters, Span<byte> output)
    {
        var elementSize = ElementSize(parameters);
        var compression = Compression(parameters);
        if (compression == NoCompression)
        {
            var offset = 0;
            foreach (var n in Blocks(chunk.Length / elementSize, BlockElements(parameters, elementSize)))
            {
                var bytes = n * elementSize;
                Bitshuffle.Unshuffle(chunk.Slice(offset, bytes), output.Slice(offset, bytes), n, elementSize);
                offset += bytes;
            }

            chunk[offset..].CopyTo(output[offset..]);
            return chunk.Length;
        }

        if (compression != Lz4Compression)
        {
            throw new InvalidDataException(compression == ZstdCompression
                ? "bitshuffle chunks compressed with zstd are not supported (only lz4)"
                : $"unknown bitshuffle compression {compression}");
        }

        var total = ReadTotal(chunk);
        if (output.Length < total || total % elementSize != 0)
        {
            throw new InvalidDataException($"bitshuffle chunk announces {total} bytes, expected {output.Length}");
        }

        var blockBytes = (int)BinaryPrimitives.ReadUInt32BigEndian(chunk[8..]);
        var blockElements = blockBytes > 0 ? blockBytes / elementSize : Bitshuffle.DefaultBlockElements(elementSize);
        if (blockElements <= 0 || blockElements % 8 != 0)
        {
            throw new InvalidDataException($"bitshuffle block size {blockBytes} bytes is not a multiple of 8 elements");
        }

        var elements = total / elementSize;
        var scratch = ArrayPool<byte>.Shared.Rent(Math.Max(1, Math.Min(blockElements, elements) * elementSize));
        try
        {
            return DecodeBlocks(chunk, output, scratch, total, elements, blockElements, elementSize);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    private static int DecodeBlocks(ReadOnlySpan<byte> chunk, Span<byte> output, byte[] scratch, int total, int elements, int blockElements, int elementSize)
    {
        var pos = 12;
        var done = 0;
        foreach (var n in Blocks(elements, blockElements))
        {
            var bytes = n * elementSize;
            if (pos + 4 > chunk.Length)
            {
                throw new InvalidDataException("bitshuffle chunk is truncated");
            }

            var size = (int)BinaryPrimitives.ReadUInt32BigEndian(chunk[pos..]);
            pos += 4;
            if (size < 0 || size > chunk.Length - pos)
            {
                throw new InvalidDataException("bitshuffle chunk is truncated");
            }

            if (LZ4Codec.Decode(chunk.Slice(pos, size), scratch.AsSpan(0, bytes)) != bytes)
            {
                throw new InvalidDataException("corrupt LZ4 block in bitshuffle chunk");
            }

            Bitshuffle.Unshuffle(scratch.AsSpan(0, bytes), output.Slice(done, bytes), n, elementSize);
            pos += size;
            done += bytes;
        }

        var leftover = total - done;
        if (chunk.Length - pos < leftover)
        {
            throw new InvalidDataException("bitshuffle chunk is truncated");
        }

        chunk.Slice(pos, leftover).CopyTo(output[done..]);
        return total;
    }

    public override byte[] Encode(ReadOnlySpan<byte> chunk, uint[] parameters)
    {
        var elementSize = ElementSize(parameters);
        var blockElements = BlockElements(parameters, elementSize);
        var elements = chunk.Length / elementSize;
        var output = new byte[12 + chunk.Length + ((elements / blockElements) + 1) * (4 + LZ4Codec.MaximumOutputSize(blockElements * elementSize))];
        BinaryPrimitives.WriteUInt64BigEndian(output, (ulong)chunk.Length);
        BinaryPrimitives.WriteUInt32BigEndian(output.AsSpan(8), (uint)(blockElements * elementSize));
        var scratch = new byte[blockElements * elementSize];
        var pos = 12;
        var done = 0;
        foreach (var n in Blocks(elements, blockElements))
        {
            var bytes = n * elementSize;
            Bitshuffle.Shuffle(chunk.Slice(done, bytes), scratch, n, elementSize);
            var size = LZ4Codec.Encode(scratch.AsSpan(0, bytes), output.AsSpan(pos + 4));
            BinaryPrimitives.WriteUInt32BigEndian(output.AsSpan(pos), (uint)size);
            pos += 4 + size;
            done += bytes;
        }

        chunk[done..].CopyTo(output.AsSpan(pos));
        return output.AsSpan(0, pos + chunk.Length - done).ToArray();
    }

    /// <summary>Sizes of the compressed blocks: full blocks, then the rest rounded down to a multiple of 8.</summary>
    private static IEnumerable<int> Blocks(int elements, int blockElements)
    {
        for (var i = 0; i < elements / blockElements; i++)
        {
            yield return blockElements;
        }

        var last = elements % blockElements / 8 * 8;
        if (last > 0)
        {
            yield return last;
        }
    }

    private static int ElementSize(uint[] parameters) =>
        parameters.Length > 2 && parameters[2] is > 0 and <= 64 ? (int)parameters[2]
            : throw new InvalidDataException("bitshuffle filter parameters lack the element size");

    private static int BlockElements(uint[] parameters, int elementSize) =>
        parameters.Length > 3 && parameters[3] > 0 ? (int)parameters[3] : Bitshuffle.DefaultBlockElements(elementSize);

    private static int Compression(uint[] parameters) => parameters.Length > 4 ? (int)parameters[4] : NoCompression;

    private static int ReadTotal(ReadOnlySpan<byte> chunk)
    {
        if (chunk.Length < 12)
        {
            throw new InvalidDataException("bitshuffle chunk is shorter than its 12-byte header");
        }

        var total = BinaryPrimitives.ReadUInt64BigEndian(chunk);
        return total <= int.MaxValue ? (int)total : throw new InvalidDataException($"bitshuffle chunk announces {total} bytes");
    }
}
