using PureHDF.Filters;

namespace Epics.Streaming.Frames.Compression;

/// <summary>
/// One thread's capture of stored HDF5 chunks (see <see cref="Hdf5CodecFilter"/>): the chunk bytes of the last read,
/// the filter that produced them and its parameters.
/// </summary>
internal sealed class RawChunkCapture : IDisposable
{
    private readonly Action _end;
    private byte[] _placeholder = [];
    private byte[] _chunk = [];

    internal RawChunkCapture(Action end) => _end = end;

    /// <summary>The filter whose stored chunk was kept, or null when no codec filter ran.</summary>
    public Hdf5CodecFilter? Filter { get; private set; }

    public uint[] Parameters { get; private set; } = [];

    /// <summary>How many codec filters ran on the last chunk (more than one means a pipeline we cannot pass through).</summary>
    public int CodecFilters { get; private set; }

    public ReadOnlySpan<byte> Chunk => _chunk.AsSpan(0, ChunkLength);

    public int ChunkLength { get; private set; }

    /// <summary>Forgets the last chunk before the next read.</summary>
    public void Reset()
    {
        Filter = null;
        CodecFilters = 0;
        ChunkLength = 0;
    }

    internal bool TryTake(Hdf5CodecFilter filter, FilterInfo info)
    {
        CodecFilters++;
        if (Filter is not null)
        {
            return false;
        }

        var data = info.Buffer.Span;
        if (_chunk.Length < data.Length)
        {
            _chunk = new byte[data.Length];
        }

        data.CopyTo(_chunk);
        ChunkLength = data.Length;
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

    public void Dispose() => _end();
}
