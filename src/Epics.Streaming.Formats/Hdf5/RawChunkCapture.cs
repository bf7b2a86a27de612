using Epics.Pva.Data;
using PureHDF.Filters;

namespace Epics.Streaming.Formats.Hdf5;

/// <summary>
/// One thread's capture of a stored HDF5 chunk (see <see cref="Hdf5CodecFilter"/>): the chunk's bytes, copied once
/// into a pooled array the caller can take, the filter that stored them and its parameters.
/// </summary>
internal sealed class RawChunkCapture : IDisposable
{
    private readonly Action _end;
    private readonly FrameBufferPool? _pool;
    private byte[] _placeholder = [];
    private PvArray? _chunk;

    internal RawChunkCapture(FrameBufferPool? pool, Action end)
    {
        _pool = pool;
        _end = end;
    }

    /// <summary>The filter whose stored chunk was kept, or null when no codec filter ran.</summary>
    public Hdf5CodecFilter? Filter { get; private set; }

    public uint[] Parameters { get; private set; } = [];

    /// <summary>How many codec filters ran on the chunk (more than one means a pipeline we cannot pass through).</summary>
    public int CodecFilters { get; private set; }

    /// <summary>The stored chunk's bytes (empty when none was kept).</summary>
    public ReadOnlySpan<byte> Chunk => _chunk is { } c ? c.Bytes : [];

    /// <summary>Hands the stored chunk over to the caller, who then disposes it.</summary>
    public PvArray TakeChunk()
    {
        var chunk = _chunk ?? throw new InvalidOperationException("no chunk was captured");
        _chunk = null;
        return chunk;
    }

    internal bool TryTake(Hdf5CodecFilter filter, FilterInfo info)
    {
        CodecFilters++;
        if (Filter is not null)
        {
            return false;
        }

        var data = info.Buffer.Span;
        _chunk = PvArray.Allocate(ScalarType.UByte, data.Length, _pool);
        data.CopyTo(_chunk.WritableBytes);
        Filter = filter;
        Parameters = info.Parameters;
        return true;
    }

    /// <summary>What the filter hands PureHDF instead of decoded data; its content is never used.</summary>
    internal Memory<byte> Placeholder(int length)
    {
        if (_placeholder.Length < length)
        {
            _placeholder = new byte[length];
        }

        return _placeholder.AsMemory(0, length);
    }

    public void Dispose()
    {
        _chunk?.Dispose();
        _end();
    }
}
