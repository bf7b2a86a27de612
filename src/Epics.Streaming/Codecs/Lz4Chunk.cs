using System.Buffers.Binary;
using K4os.Compression.LZ4;

namespace Epics.Streaming.Codecs;

/// <summary>
/// LZ4 data in the framing of the HDF5 LZ4 filter (id 32004), which is what a detector file's lz4 chunks hold: an
/// 8-byte big-endian original size and a 4-byte big-endian block size, then per block a 4-byte big-endian compressed
/// size and the LZ4 block (stored raw when it did not shrink). areaDetector itself sends a bare LZ4 block instead (see <c>NdArrayCodec</c>)
/// areaDetector sends.
/// </summary>
public static class Lz4Chunk
{
    /// <summary>Bytes of the header before the first block.</summary>
    public const int HeaderLength = 12;

    /// <summary>Whether <paramref name="data"/> starts with this framing's header announcing <paramref name="decodedLength"/> bytes.</summary>
    public static bool HasHeaderFor(ReadOnlySpan<byte> data, long decodedLength) =>
        data.Length >= HeaderLength + 4 && BinaryPrimitives.ReadUInt64BigEndian(data) == (ulong)decodedLength;

    /// <summary>The decoded size the header announces.</summary>
    /// <exception cref="InvalidDataException">The chunk is shorter than its header or announces more than 2 GiB.</exception>
    public static int DecodedLength(ReadOnlySpan<byte> chunk)
    {
        if (chunk.Length < HeaderLength)
        {
            throw new InvalidDataException("lz4 chunk is shorter than its 12-byte header");
        }

        var total = BinaryPrimitives.ReadUInt64BigEndian(chunk);
        return total <= int.MaxValue ? (int)total : throw new InvalidDataException($"lz4 chunk announces {total} bytes");
    }

    /// <summary>Decodes <paramref name="chunk"/> into <paramref name="output"/>; returns the decoded size.</summary>
    /// <exception cref="InvalidDataException">The chunk is truncated, corrupt or larger than the output.</exception>
    public static int Decode(ReadOnlySpan<byte> chunk, Span<byte> output)
    {
        var total = DecodedLength(chunk);
        var blockSize = (int)BinaryPrimitives.ReadUInt32BigEndian(chunk[8..]);
        if (blockSize <= 0)
        {
            blockSize = total;
        }

        if (output.Length < total)
        {
            throw new InvalidDataException($"lz4 chunk decodes to {total} bytes, more than the {output.Length} expected");
        }

        var pos = HeaderLength;
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

    /// <summary>The largest chunk <see cref="Encode(ReadOnlySpan{byte}, Span{byte})"/> writes for <paramref name="length"/> bytes.</summary>
    public static int MaximumEncodedLength(int length) => HeaderLength + 4 + Math.Max(length, LZ4Codec.MaximumOutputSize(length));

    /// <summary>Encodes <paramref name="data"/> as one block; returns the chunk's length in <paramref name="output"/>.</summary>
    public static int Encode(ReadOnlySpan<byte> data, Span<byte> output)
    {
        BinaryPrimitives.WriteUInt64BigEndian(output, (ulong)data.Length);
        BinaryPrimitives.WriteUInt32BigEndian(output[8..], (uint)data.Length);
        var n = data.Length == 0 ? 0 : LZ4Codec.Encode(data, output[(HeaderLength + 4)..]);
        if (n <= 0 || n >= data.Length)
        {
            data.CopyTo(output[(HeaderLength + 4)..]);
            n = data.Length;
        }

        BinaryPrimitives.WriteUInt32BigEndian(output[HeaderLength..], (uint)n);
        return HeaderLength + 4 + n;
    }

    /// <summary>Encodes <paramref name="data"/> as one block into a new array.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> data)
    {
        var output = new byte[MaximumEncodedLength(data.Length)];
        return output.AsSpan(0, Encode(data, output)).ToArray();
    }
}
