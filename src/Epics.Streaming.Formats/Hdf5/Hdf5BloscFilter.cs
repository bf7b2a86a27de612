using System.Buffers.Binary;
using Epics.Streaming.Codecs;

namespace Epics.Streaming.Formats.Hdf5;

/// <summary>
/// The HDF5 Blosc filter (id 32001, hdf5-blosc / PyTables). Its parameters are filter revision, blosc format version,
/// typesize, chunk bytes, compression level, shuffle (0 none, 1 byte, 2 bit) and compressor, but each chunk is a
/// self-describing blosc1 chunk, so decoding needs only the chunk (see <see cref="BloscDecoder"/>). Writing stores
/// memcpyed chunks: correct for any reader, uncompressed.
/// </summary>
internal sealed class Hdf5BloscFilter : Hdf5CodecFilter
{
    public const ushort Id = 32001;

    // hdf5-blosc's filter revision and the blosc format version it records in the parameters.
    private const uint FilterRevision = 2;

    public override ushort FilterId => Id;

    public override string Name => "blosc";

    public override uint[] GetParameters(uint[] chunkDimensions, uint typeSize, Dictionary<string, object>? options)
    {
        var chunkBytes = chunkDimensions.Aggregate((ulong)typeSize, (n, d) => n * d);
        return [FilterRevision, BloscDecoder.FormatVersion, typeSize, (uint)Math.Min(chunkBytes, uint.MaxValue), 0, 0, 0];
    }

    public override bool IsUnfilteredChunk(ReadOnlySpan<byte> chunk, int chunkSize) =>
        chunk.Length == chunkSize && !BloscDecoder.IsChunkOf(chunk, chunkSize);

    public override int DecodedLength(ReadOnlySpan<byte> chunk, uint[] parameters) => BloscDecoder.DecodedLength(chunk);

    public override int Decode(ReadOnlySpan<byte> chunk, uint[] parameters, Span<byte> output)
    {
        // A chunk libhdf5 stored unfiltered (see Hdf5CodecFilter.Filter) is copied through.
        if (IsUnfilteredChunk(chunk, output.Length))
        {
            chunk.CopyTo(output);
            return chunk.Length;
        }

        return BloscDecoder.Decode(chunk, output);
    }

    public override byte[] Encode(ReadOnlySpan<byte> chunk, uint[] parameters)
    {
        if (chunk.Length > int.MaxValue - BloscDecoder.HeaderLength)
        {
            throw new ArgumentException("chunk too large for a blosc chunk", nameof(chunk));
        }

        // A memcpyed chunk (as libblosc writes at compression level 0): header, then the bytes as they are.
        var typesize = parameters.Length > 2 && parameters[2] is > 0 and <= 255 ? (byte)parameters[2] : (byte)1;
        var output = new byte[BloscDecoder.HeaderLength + chunk.Length];
        output[0] = BloscDecoder.FormatVersion;
        output[1] = BloscDecoder.CodecVersion;
        output[2] = BloscDecoder.MemcpyedFlag;
        output[3] = typesize;
        BinaryPrimitives.WriteInt32LittleEndian(output.AsSpan(4), chunk.Length);
        BinaryPrimitives.WriteInt32LittleEndian(output.AsSpan(8), Math.Max(chunk.Length, 1));
        BinaryPrimitives.WriteInt32LittleEndian(output.AsSpan(12), output.Length);
        chunk.CopyTo(output.AsSpan(BloscDecoder.HeaderLength));
        return output;
    }
}
