using System.Buffers.Binary;
using K4os.Compression.LZ4;
using PureHDF.Filters;

namespace Epics.Streaming.Frames;

/// <summary>
/// The HDF5 LZ4 filter (id 32004) for PureHDF: an 8-byte big-endian original size and a 4-byte block size, then per
/// block a 4-byte big-endian compressed size and the LZ4 block (stored raw when it did not shrink).
/// </summary>
internal sealed class Hdf5Lz4Filter : IH5Filter
{
    public const ushort Id = 32004;
    private static int _registered;

    public ushort FilterId => Id;

    public string Name => "lz4";

    public static void EnsureRegistered()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 0)
        {
            H5Filter.Register(new Hdf5Lz4Filter());
        }
    }

    public Memory<byte> Filter(FilterInfo info)
    {
        if (!info.Flags.HasFlag(H5FilterFlags.Decompress))
        {
            return Compress(info.Buffer.Span);
        }

        return Decompress(info.Buffer.Span);
    }

    public uint[] GetParameters(uint[] chunkDimensions, uint typeSize, Dictionary<string, object>? options) => [];

    internal static byte[] Decompress(ReadOnlySpan<byte> input)
    {
        var total = checked((int)BinaryPrimitives.ReadUInt64BigEndian(input));
        var blockSize = (int)BinaryPrimitives.ReadUInt32BigEndian(input[8..]);
        if (blockSize <= 0)
        {
            blockSize = total;
        }

        var output = new byte[total];
        var pos = 12;
        var done = 0;
        while (done < total)
        {
            var want = Math.Min(blockSize, total - done);
            var size = (int)BinaryPrimitives.ReadUInt32BigEndian(input[pos..]);
            pos += 4;
            if (size == want)
            {
                input.Slice(pos, size).CopyTo(output.AsSpan(done));
            }
            else if (LZ4Codec.Decode(input.Slice(pos, size), output.AsSpan(done, want)) != want)
            {
                throw new InvalidDataException("corrupt LZ4 block");
            }

            pos += size;
            done += want;
        }

        return output;
    }

    internal static byte[] Compress(ReadOnlySpan<byte> input)
    {
        var output = new byte[12 + 4 + LZ4Codec.MaximumOutputSize(input.Length)];
        BinaryPrimitives.WriteUInt64BigEndian(output, (ulong)input.Length);
        BinaryPrimitives.WriteUInt32BigEndian(output.AsSpan(8), (uint)input.Length);
        var n = LZ4Codec.Encode(input, output.AsSpan(16));
        if (n <= 0 || n >= input.Length)
        {
            input.CopyTo(output.AsSpan(16));
            n = input.Length;
        }

        BinaryPrimitives.WriteUInt32BigEndian(output.AsSpan(12), (uint)n);
        return output.AsSpan(0, 16 + n).ToArray();
    }
}
