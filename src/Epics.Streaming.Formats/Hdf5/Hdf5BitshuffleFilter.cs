using Epics.Streaming.Codecs;

namespace Epics.Streaming.Formats.Hdf5;

/// <summary>
/// The HDF5 bitshuffle filter (id 32008, codec "bslz4" when LZ4-compressed). Parameters: major, minor, element size,
/// block size in elements (0 = default), compression (0 none, 2 lz4, 3 zstd). With LZ4 a chunk is laid out as
/// <see cref="Bslz4Chunk"/>; without compression it is the bit-rows of each block, the last (n mod 8) elements as they are.
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
        Compression(parameters) == NoCompression ? chunk.Length : Bslz4Chunk.DecodedLength(chunk);

    public override int Decode(ReadOnlySpan<byte> chunk, uint[] parameters, Span<byte> output)
    {
        var elementSize = ElementSize(parameters);
        var compression = Compression(parameters);
        if (compression == NoCompression)
        {
            return Bitshuffle.UnshuffleBlocks(chunk, output, elementSize, BlockElements(parameters, elementSize));
        }

        if (compression != Lz4Compression)
        {
            throw new InvalidDataException(compression == ZstdCompression
                ? "bitshuffle chunks compressed with zstd are not supported (only lz4)"
                : $"unknown bitshuffle compression {compression}");
        }

        return Bslz4Chunk.Decode(chunk, output, elementSize);
    }

    public override byte[] Encode(ReadOnlySpan<byte> chunk, uint[] parameters) =>
        Bslz4Chunk.Encode(chunk, ElementSize(parameters), BlockElements(parameters, ElementSize(parameters)));

    private static int ElementSize(uint[] parameters) =>
        parameters.Length > 2 && parameters[2] is > 0 and <= 64 ? (int)parameters[2]
            : throw new InvalidDataException("bitshuffle filter parameters lack the element size");

    private static int BlockElements(uint[] parameters, int elementSize) =>
        parameters.Length > 3 && parameters[3] > 0 ? (int)parameters[3] : Bitshuffle.DefaultBlockElements(elementSize);

    private static int Compression(uint[] parameters) => parameters.Length > 4 ? (int)parameters[4] : NoCompression;
}
