using Epics.Pva.Data;
using PureHDF.Filters;

namespace Epics.Streaming.Formats.Hdf5;

/// <summary>
/// Base of our HDF5 compression filters (lz4, bslz4, blosc). Besides decoding, a filter can hand a chunk over
/// untouched: while a <see cref="RawChunkCapture"/> is active on the reading thread, the first codec filter that
/// sees a chunk keeps its stored bytes instead of decoding them. PureHDF has no direct-chunk read, so this is how
/// <c>-hcm</c> streams chunks exactly as they are stored in the file.
/// </summary>
internal abstract class Hdf5CodecFilter : IH5Filter
{
    [ThreadStatic]
    private static RawChunkCapture? t_capture;

    public abstract ushort FilterId { get; }

    /// <summary>The NTNDArray codec name for chunks of this filter (as areaDetector and pvapy name them).</summary>
    public abstract string Name { get; }

    public Memory<byte> Filter(FilterInfo info)
    {
        if (!info.Flags.HasFlag(H5FilterFlags.Decompress))
        {
            return Encode(info.Buffer.Span, info.Parameters);
        }

        // libhdf5 stores a chunk unfiltered when an optional filter could not shrink it and flags that in the chunk's
        // filter mask, but PureHDF 2.2 tests the wrong mask bit and hands such chunks to the filter anyway.
        if (info.ChunkSize > 0 && IsUnfilteredChunk(info.Buffer.Span, info.ChunkSize))
        {
            return info.Buffer;
        }

        if (t_capture is { } capture && capture.TryTake(this, info))
        {
            return capture.Placeholder(info.ChunkSize);
        }

        var output = new byte[info.ChunkSize > 0 ? info.ChunkSize : DecodedLength(info.Buffer.Span, info.Parameters)];
        var n = Decode(info.Buffer.Span, info.Parameters, output);
        return output.AsMemory(0, n);
    }

    public virtual uint[] GetParameters(uint[] chunkDimensions, uint typeSize, Dictionary<string, object>? options) => [];

    /// <summary>True when <paramref name="chunk"/> is plain data of <paramref name="chunkSize"/> bytes, not this filter's output.</summary>
    public abstract bool IsUnfilteredChunk(ReadOnlySpan<byte> chunk, int chunkSize);

    /// <summary>The decoded size a chunk announces (used when PureHDF does not pass the chunk size).</summary>
    public abstract int DecodedLength(ReadOnlySpan<byte> chunk, uint[] parameters);

    /// <summary>Decodes one stored chunk into <paramref name="output"/>; returns the bytes written.</summary>
    public abstract int Decode(ReadOnlySpan<byte> chunk, uint[] parameters, Span<byte> output);

    /// <summary>Encodes one chunk as the filter stores it (used to write test files and by PureHDF writers).</summary>
    public abstract byte[] Encode(ReadOnlySpan<byte> chunk, uint[] parameters);

    /// <summary>
    /// Starts capturing the stored chunk of the next read on this thread, into an array from <paramref name="pool"/>,
    /// until the returned object is disposed.
    /// </summary>
    internal static RawChunkCapture BeginCapture(FrameBufferPool? pool = null)
    {
        var capture = new RawChunkCapture(pool, () => t_capture = null);
        t_capture = capture;
        return capture;
    }
}
