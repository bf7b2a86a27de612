using Epics.Pva.Data;
using Epics.Streaming.Frames;

namespace Epics.Streaming.Formats;

/// <summary>
/// Frames from a raw binary file described by a YAML config (<c>-cfg</c>): a header of <c>header_offset</c> bytes,
/// then (size − header) / (height·width·elementSize) frames.
/// </summary>
internal sealed class RawFrameSource : IFrameSource
{
    private readonly FrameBufferPool _pool;
    private readonly RawFileInfo _info;
    private readonly Microsoft.Win32.SafeHandles.SafeFileHandle _handle;

    public RawFrameSource(string path, RawFileInfo info, FrameBufferPool pool)
    {
        Name = path;
        _info = info;
        _pool = pool;
        Shape = new FrameShape(info.Width, info.Height, 0, info.ElementType);
        _handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        var length = RandomAccess.GetLength(_handle);
        FrameCount = (int)Math.Max(0, (length - info.HeaderOffset) / Shape.ByteLength);
    }

    public string Name { get; }

    public FrameShape Shape { get; }

    public int FrameCount { get; }

    public PvArray ReadFrame(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)FrameCount, nameof(index));
        var array = PvArray.Allocate(Shape.ElementType, Shape.Elements, _pool);
        var bytes = array.WritableBytes;
        var offset = _info.HeaderOffset + ((long)index * Shape.ByteLength);
        if (!FileRegion.TryReadExactly(_handle, bytes, offset))
        {
            array.Dispose();
            throw new EndOfStreamException($"{Name}: unexpected end of file");
        }

        if (_info.BigEndian == BitConverter.IsLittleEndian)
        {
            ByteOrder.Swap(array);
        }

        return array;
    }

    public void Dispose() => _handle.Dispose();
}
