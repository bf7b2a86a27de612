using System.Buffers;
using System.Buffers.Binary;
using K4os.Compression.LZ4;

namespace Epics.Streaming.Codecs;

/// <summary>
/// Bitshuffle + LZ4 ("bslz4"), in the layout the HDF5 bitshuffle filter (id 32008) stores and areaDetector sends: an
/// 8-byte big-endian total size and a 4-byte big-endian block size in bytes, then per block a 4-byte big-endian
/// compressed size and the LZ4-compressed bit-rows of that block (<see cref="Bitshuffle"/>). Full blocks come first,
/// then one block of the remaining elements rounded down to a multiple of 8; the last (n mod 8) elements are stored as
/// they are.
/// </summary>
public static class Bslz4Chunk
{
    /// <summary>Bytes of the header before the first block.</summary>
    public const int HeaderLength = 12;

    /// <summary>Whether <paramref name="data"/> starts with this layout's header announcing <paramref name="decodedLength"/> bytes.</summary>
    public static bool HasHeaderFor(ReadOnlySpan<byte> data, long decodedLength) =>
        data.Length >= HeaderLength && BinaryPrimitives.ReadUInt64BigEndian(data) == (ulong)decodedLength;

    /// <summary>The decoded size the header announces.</summary>
    /// <exception cref="InvalidDataException">The chunk is shorter than its header or announces more than 2 GiB.</exception>
    public static int DecodedLength(ReadOnlySpan<byte> chunk)
    {
        if (chunk.Length < HeaderLength)
        {
            throw new InvalidDataException("bitshuffle chunk is shorter than its 12-byte header");
        }

        var total = BinaryPrimitives.ReadUInt64BigEndian(chunk);
        return total <= int.MaxValue ? (int)total : throw new InvalidDataException($"bitshuffle chunk announces {total} bytes");
    }

    /// <summary>Decodes a chunk of <paramref name="elementSize"/>-byte elements into <paramref name="output"/>; returns the decoded size.</summary>
    /// <exception cref="InvalidDataException">The chunk is truncated, corrupt, or does not fit the output.</exception>
    public static int Decode(ReadOnlySpan<byte> chunk, Span<byte> output, int elementSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(elementSize, 1);
        var total = DecodedLength(chunk);
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
            return DecodeFrom(chunk, HeaderLength, output, scratch, total, elements, blockElements, elementSize);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    /// <summary>
    /// Decodes bslz4 data without the 12-byte header (as areaDetector's codec plugin sends it): the blocks of
    /// <paramref name="blockElements"/> elements (0 = the bitshuffle default) for exactly <paramref name="output"/>'s
    /// length; returns it.
    /// </summary>
    /// <exception cref="InvalidDataException">The data is truncated or corrupt.</exception>
    public static int DecodeBlocks(ReadOnlySpan<byte> data, Span<byte> output, int elementSize, int blockElements = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(elementSize, 1);
        if (output.Length % elementSize != 0)
        {
            throw new ArgumentException("the output is not a whole number of elements", nameof(output));
        }

        if (blockElements <= 0)
        {
            blockElements = Bitshuffle.DefaultBlockElements(elementSize);
        }

        var elements = output.Length / elementSize;
        var scratch = ArrayPool<byte>.Shared.Rent(Math.Max(1, Math.Min(blockElements, elements) * elementSize));
        try
        {
            return DecodeFrom(data, 0, output, scratch, output.Length, elements, blockElements, elementSize);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    /// <summary>The largest chunk <see cref="Encode(ReadOnlySpan{byte}, Span{byte}, int, int)"/> writes.</summary>
    public static int MaximumEncodedLength(int length, int elementSize, int blockElements = 0)
    {
        var block = blockElements > 0 ? blockElements : Bitshuffle.DefaultBlockElements(elementSize);
        var elements = length / elementSize;
        return HeaderLength + length + ((elements / block) + 1) * (4 + LZ4Codec.MaximumOutputSize(block * elementSize));
    }

    /// <summary>
    /// Encodes <paramref name="data"/> (elements of <paramref name="elementSize"/> bytes) in blocks of
    /// <paramref name="blockElements"/> elements (a multiple of 8; 0 = the bitshuffle default); returns the chunk's length.
    /// </summary>
    public static int Encode(ReadOnlySpan<byte> data, Span<byte> output, int elementSize, int blockElements = 0) =>
        Encode(data, output, elementSize, blockElements, header: true);

    /// <summary>
    /// As <see cref="Encode(ReadOnlySpan{byte}, Span{byte}, int, int)"/> but without the 12-byte header, as
    /// areaDetector sends bslz4 (the reader must know the size and element size; see <see cref="DecodeBlocks"/>).
    /// </summary>
    public static int EncodeBlocks(ReadOnlySpan<byte> data, Span<byte> output, int elementSize, int blockElements = 0) =>
        Encode(data, output, elementSize, blockElements, header: false);

    private static int Encode(ReadOnlySpan<byte> data, Span<byte> output, int elementSize, int blockElements, bool header)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(elementSize, 1);
        if (blockElements <= 0)
        {
            blockElements = Bitshuffle.DefaultBlockElements(elementSize);
        }
        else if (blockElements % 8 != 0)
        {
            throw new ArgumentException("the block size must be a multiple of 8 elements", nameof(blockElements));
        }

        var elements = data.Length / elementSize;
        if (header)
        {
            BinaryPrimitives.WriteUInt64BigEndian(output, (ulong)data.Length);
            BinaryPrimitives.WriteUInt32BigEndian(output[8..], (uint)(blockElements * elementSize));
        }

        var scratch = ArrayPool<byte>.Shared.Rent(blockElements * elementSize);
        try
        {
            var pos = header ? HeaderLength : 0;
            var done = 0;
            foreach (var n in Bitshuffle.Blocks(elements, blockElements))
            {
                var bytes = n * elementSize;
                Bitshuffle.Shuffle(data.Slice(done, bytes), scratch.AsSpan(0, bytes), n, elementSize);
                var size = LZ4Codec.Encode(scratch.AsSpan(0, bytes), output[(pos + 4)..]);
                BinaryPrimitives.WriteUInt32BigEndian(output[pos..], (uint)size);
                pos += 4 + size;
                done += bytes;
            }

            data[done..].CopyTo(output[pos..]);
            return pos + data.Length - done;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    /// <summary>Encodes <paramref name="data"/> into a new array (see <see cref="Encode(ReadOnlySpan{byte}, Span{byte}, int, int)"/>).</summary>
    public static byte[] Encode(ReadOnlySpan<byte> data, int elementSize, int blockElements = 0)
    {
        var output = new byte[MaximumEncodedLength(data.Length, elementSize, blockElements)];
        return output.AsSpan(0, Encode(data, output, elementSize, blockElements)).ToArray();
    }

    private static int DecodeFrom(ReadOnlySpan<byte> chunk, int pos, Span<byte> output, byte[] scratch, int total, int elements, int blockElements, int elementSize)
    {
        var done = 0;
        foreach (var n in Bitshuffle.Blocks(elements, blockElements))
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
}
