using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.IO.MemoryMappedFiles;
using System.Text;
using System.Text.RegularExpressions;
using Epics.Pva.Data;
using Epics.Streaming.Frames;

namespace Epics.Streaming.Formats;

/// <summary>
/// Frames from a NumPy <c>.npy</c> file (or the first array of an <c>.npz</c>): shape (n, ny, nx), (ny, nx), or
/// (n, ny, nx, 3) for RGB. Frames are read on demand, through a memory map with <c>-mm</c>, else with positioned reads.
/// </summary>
internal sealed partial class NpyFrameSource : IFrameSource
{
    private readonly FrameBufferPool _pool;
    private readonly bool _swap;
    private readonly long _dataOffset;
    private readonly byte[]? _inMemory;
    private readonly Microsoft.Win32.SafeHandles.SafeFileHandle? _handle;
    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;

    public NpyFrameSource(string path, bool memoryMapped, FrameBufferPool pool)
    {
        Name = path;
        _pool = pool;
        byte[] header;
        if (path.EndsWith(".npz", StringComparison.OrdinalIgnoreCase))
        {
            // A zip member cannot be mapped or read at an offset: load the first array.
            using var zip = ZipFile.OpenRead(path);
            var entry = zip.Entries.FirstOrDefault(e => e.Name.EndsWith(".npy", StringComparison.OrdinalIgnoreCase))
                ?? throw new StreamingConfigurationException($"{path}: no .npy array inside");
            using var s = entry.Open();
            using var ms = new MemoryStream();
            s.CopyTo(ms);
            _inMemory = ms.ToArray();
            header = _inMemory;
        }
        else
        {
            _handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
            header = new byte[Math.Min(65536, RandomAccess.GetLength(_handle))];
            _ = RandomAccess.Read(_handle, header, 0);
        }

        (var shape, var type, _swap, _dataOffset, FrameCount) = ParseHeader(header, path);
        Shape = shape;
        var needed = _dataOffset + ((long)FrameCount * shape.ByteLength);
        var length = _inMemory?.Length ?? RandomAccess.GetLength(_handle!);
        if (length < needed)
        {
            throw new StreamingConfigurationException($"{path}: file is truncated ({length} bytes, {needed} needed)");
        }

        _ = type;
        if (memoryMapped && _handle is not null)
        {
            _map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
            _view = _map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        }
    }

    public string Name { get; }

    public FrameShape Shape { get; }

    public int FrameCount { get; }

    public bool IsMemoryMapped => _view is not null;

    public PvArray ReadFrame(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)FrameCount, nameof(index));
        var array = PvArray.Allocate(Shape.ElementType, Shape.Elements, _pool);
        var bytes = array.WritableBytes;
        var offset = _dataOffset + ((long)index * Shape.ByteLength);
        if (_inMemory is not null)
        {
            _inMemory.AsSpan((int)offset, bytes.Length).CopyTo(bytes);
        }
        else if (_view is not null)
        {
            _view.SafeMemoryMappedViewHandle.ReadSpan((ulong)offset, bytes);
        }
        else if (!FileRegion.TryReadExactly(_handle!, bytes, offset))
        {
            array.Dispose();
            throw new EndOfStreamException($"{Name}: unexpected end of file");
        }

        if (_swap)
        {
            ByteOrder.Swap(array);
        }

        return array;
    }

    public void Dispose()
    {
        _view?.Dispose();
        _map?.Dispose();
        _handle?.Dispose();
    }

    /// <summary>Parses the .npy preamble: magic, version, header dict {descr, fortran_order, shape}.</summary>
    internal static (FrameShape Shape, ScalarType Type, bool Swap, long DataOffset, int Frames) ParseHeader(ReadOnlySpan<byte> file, string path)
    {
        if (file.Length < 10 || file[0] != 0x93 || !file[1..6].SequenceEqual("NUMPY"u8))
        {
            throw new StreamingConfigurationException($"{path}: not a NumPy .npy file");
        }

        var major = file[6];
        int headerLength, start;
        if (major == 1)
        {
            headerLength = BinaryPrimitives.ReadUInt16LittleEndian(file[8..]);
            start = 10;
        }
        else if (major is 2 or 3)
        {
            headerLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(file[8..]);
            start = 12;
        }
        else
        {
            throw new StreamingConfigurationException($"{path}: unsupported .npy version {major}");
        }

        if (file.Length < start + headerLength)
        {
            throw new StreamingConfigurationException($"{path}: truncated .npy header");
        }

        var text = Encoding.Latin1.GetString(file.Slice(start, headerLength));
        var descr = DescrRegex().Match(text);
        var shapeMatch = ShapeRegex().Match(text);
        if (!descr.Success || !shapeMatch.Success)
        {
            throw new StreamingConfigurationException($"{path}: malformed .npy header");
        }

        if (FortranRegex().IsMatch(text))
        {
            throw new StreamingConfigurationException($"{path}: Fortran-ordered arrays are not supported");
        }

        var d = descr.Groups[1].Value;
        var order = d[0];
        var type = d[1..] switch
        {
            "i1" => ScalarType.Byte,
            "u1" => ScalarType.UByte,
            "b1" => ScalarType.Boolean,
            "i2" => ScalarType.Short,
            "u2" => ScalarType.UShort,
            "i4" => ScalarType.Int,
            "u4" => ScalarType.UInt,
            "i8" => ScalarType.Long,
            "u8" => ScalarType.ULong,
            "f4" => ScalarType.Float,
            "f8" => ScalarType.Double,
            _ => throw new StreamingConfigurationException($"{path}: unsupported NumPy dtype {d}"),
        };
        var dims = shapeMatch.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var (frames, shape) = dims.Length switch
        {
            2 => (1, new FrameShape(dims[1], dims[0], 0, type)),
            3 => (dims[0], new FrameShape(dims[2], dims[1], 0, type)),
            // (n, ny, nx, 3) in C order is pixel-interleaved: areaDetector's RGB1, dimensions [3, nx, ny].
            4 when dims[3] == 3 => (dims[0], new FrameShape(dims[2], dims[1], 2, type)),
            _ => throw new StreamingConfigurationException($"{path}: array shape ({shapeMatch.Groups[1].Value}) is not (n, ny, nx)"),
        };
        var swap = order == '>' && BitConverter.IsLittleEndian && type.ElementSize() > 1;
        return (shape, type, swap, start + headerLength, frames);
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([<>|=][a-z]\d+)'")]
    private static partial Regex DescrRegex();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapeRegex();

    [GeneratedRegex(@"'fortran_order'\s*:\s*True")]
    private static partial Regex FortranRegex();
}
