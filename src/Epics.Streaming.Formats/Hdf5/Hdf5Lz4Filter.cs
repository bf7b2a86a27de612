using System.Buffers.Binary;
using Epics.Streaming.Codecs;

namespace Epics.Streaming.Formats.Hdf5;

/// <summary>
/// The HDF5 LZ4 filter (id 32004); the chunk layout is <see cref="Lz4Chunk"/>.
/// </summary>
internal sealed class Hdf5Lz4Filter : Hdf5CodecFilter
{
    public const ushort Id = 32004;

    public override ushort FilterId => Id;

    public override string Name => "lz4";

    public override bool IsUnfilteredChunk(ReadOnlySpan<byte> chunk, int chunkSize) =>
        chunk.Length == chunkSize && (chunk.Length < 12 || BinaryPrimitives.ReadUInt64BigEndian(chunk) != (ulong)chunkSize);

    public override int DecodedLength(ReadOnlySpan<byte> chunk, uint[] parameters) => Lz4Chunk.DecodedLength(chunk);

    public override int Decode(ReadOnlySpan<byte> chunk, uint[] parameters, Span<byte> output) => Lz4Chunk.Decode(chunk, output);

    public override byte[] Encode(ReadOnlySpan<byte> chunk, uint[] parameters) => Lz4Chunk.Encode(chunk);
}
