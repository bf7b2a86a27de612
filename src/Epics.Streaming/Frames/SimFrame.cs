using Epics.Pva.Data;

namespace Epics.Streaming.Frames;

/// <summary>A frame ready to publish: the value array (maybe compressed), its shape and codec. Disposing releases the array.</summary>
/// <param name="data">The frame's elements, or its compressed bytes; the frame owns this reference.</param>
/// <param name="shape">The frame's geometry and (uncompressed) element type.</param>
/// <param name="codec">"" when uncompressed, else the codec of <paramref name="data"/> (lz4, bslz4, blosc).</param>
/// <param name="uncompressedSize">Bytes of the frame once decompressed.</param>
public sealed class SimFrame(PvArray data, FrameShape shape, string codec, long uncompressedSize) : IDisposable
{
    /// <summary>The value array: elements, or compressed bytes when <see cref="Codec"/> is set.</summary>
    public PvArray Data { get; } = data;

    /// <summary>The geometry and element type.</summary>
    public FrameShape Shape { get; } = shape;

    /// <summary>"" when uncompressed, else the codec of a stored chunk (lz4, bslz4, blosc).</summary>
    public string Codec { get; } = codec;

    /// <summary>Bytes of the frame once decompressed.</summary>
    public long UncompressedSize { get; } = uncompressedSize;

    /// <inheritdoc />
    public void Dispose() => Data.Dispose();
}
