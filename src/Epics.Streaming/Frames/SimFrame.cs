using Epics.Pva.Data;

namespace Epics.Streaming.Frames;

/// <summary>A frame ready to publish: the value array (maybe compressed), its shape and codec.</summary>
internal sealed class SimFrame(PvArray data, FrameShape shape, string codec, long uncompressedSize) : IDisposable
{
    public PvArray Data { get; } = data;

    public FrameShape Shape { get; } = shape;

    /// <summary>"" when uncompressed, else the codec of a stored HDF5 chunk (lz4, bslz4, blosc).</summary>
    public string Codec { get; } = codec;

    public long UncompressedSize { get; } = uncompressedSize;

    public void Dispose() => Data.Dispose();
}
