using System.Buffers.Binary;
using K4os.Compression.LZ4;

namespace Epics.Streaming.Frames.Compression;

/// <summary>
/// The HDF5 LZ4 filter (id 32004): an 8-byte big-endian original size and a 4-byte big-endian block size, then per
/// block a 4-byte big-endian compressed size and the LZ4 block (stored raw when it did not shrink).
/// </summary>
internal sealed class Hdf5Lz4Filter : Hdf5CodecFilter
{
    public const ushort Id = 32004;

    public override ushort FilterId => Id;

    public override string Name => "lz4";

    public override bool IsUnfilteredChunk(ReadOnlySpan<byte> chunk, int chunkSize) =>
        chunk.Length == chunkSize && (chunk.Length < 12 || BinaryPrimitives.ReadUInt64BigEndian(chunk) != (ulong)chunkSize);

    public override int DecodedLength(ReadOnlySpan<byte> chunk, uint[] parameters) => ReadTotal(chunk);

    public override int Decode(ReadOnlySpan<byte> chunk, uint[] parameters, Span<byte> output)
    {
        var total = ReadTotal(chunk);
        var blockSize = (int)BinaryPrimitives.ReadUInt32BigEndian(chunk[8..]);
        if (blockSize <= 0)
        {
            blockSize = total;
        }

        if (output.Length < total)
        {
            throw new InvalidDataException($"lz4 chunk decodes to {total} bytes, more than the {output.Length} expected");
        }

        var pos = 12;
        var done = 0;
        while (done < total)
        {
            var want = Math.Min(blockSize, total - done);
            if (pos + 4 > chunk.Length)
            {
                throw new InvalidDataException("lz4 chunk is truncated");
            }

            var size = (int)BinaryPrimitives.ReadUInt32BigEndian(chunk[pos..]);
            pos += 4;
            if (size <= 0 || size > chunk.Length - pos)
            {
                throw new InvalidDataException("lz4 chunk is truncated");
            }

            if (size == want)
            {
                chunk.Slice(pos, size).CopyTo(output[done..]);
            }
            else if (LZ4Codec.Decode(chunk.Slice(pos, size), output.Slice(done, want)) != want)
            {
                throw new InvalidDataException("corrupt LZ4 block");
            }

            pos += size;
            done += want;
        }

        return total;
    }

    public override byte[] Encode(ReadOnlySpan<byte> chunk, uint[] parameters)
    {
        var output = new byte[12 + 4 + LZ4Codec.MaximumOutputSize(chunk.Length)];
        BinaryPrimitives.WriteUInt64BigEndian(output, (ulong)chunk.Length);
        BinaryPrimitives.WriteUInt32BigEndian(output.AsSpan(8), (uint)chunk.Length);
        var n = LZ4Codec.Encode(chunk, output.AsSpan(16));
        if (n <= 0 || n >= chunk.Length)
        {
            chunk.CopyTo(output.AsSpan(16));
            n = chunk.Length;
        }

        BinaryPrimitives.WriteUInt32BigEndian(output.AsSpan(12), (uint)n);
        return output.AsSpan(0, 16 + n).ToArray();
    }

    private static int ReadTotal(ReadOnlySpan<byte> chunk)
    {
        if (chunk.Length < 12)
        {
            throw new InvalidDataException("lz4 chunk is shorter than its 12-byte header");
        }

        var total = BinaryPrimitives.ReadUInt64BigEndian(chunk);
        return total <= int.MaxValue ? (int)total : throw new InvalidDataException($"lz4 chunk announces {total} bytes");
    }
}
