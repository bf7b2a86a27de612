using Epics.Pva.Data;
using PureHDF;
using PureHDF.Selections;
using PureHDF.VOL.Native;
using Epics.Streaming.Frames.Compression;

namespace Epics.Streaming.Frames;

/// <summary>
/// Frames from an HDF5 dataset (<c>-hds</c>) read with PureHDF along axis 0: shape (n, ny, nx) or (ny, nx). Chunks
/// compressed with the HDF5 LZ4 filter (32004) are decoded by <see cref="Hdf5Lz4Filter"/>.
/// </summary>
internal sealed class Hdf5FrameSource : IFrameSource
{
    private readonly FrameBufferPool _pool;
    private readonly NativeFile _file;
    private readonly NativeDataset _dataset;
    private readonly int _rank;
    private readonly Lock _lock = new();

    static Hdf5FrameSource() => Hdf5Filters.EnsureRegistered();

    public Hdf5FrameSource(string path, string datasetPath, FrameBufferPool pool)
    {
        Name = path;
        _pool = pool;
        try
        {
            _file = H5File.OpenRead(path);
        }
        catch (Exception e) when (e is not StreamingConfigurationException)
        {
            throw new StreamingConfigurationException($"{path}: cannot open HDF5 file: {e.Message}", e);
        }

        try
        {
            _dataset = _file.Dataset(datasetPath) as NativeDataset
                ?? throw new StreamingConfigurationException($"{path}: {datasetPath} is not a dataset");
            var dims = _dataset.Space.Dimensions;
            _rank = dims.Length;
            var type = ElementTypeOf(_dataset.Type)
                ?? throw new StreamingConfigurationException($"{path}: dataset {datasetPath} has an unsupported element type ({_dataset.Type.Class}, {_dataset.Type.Size} bytes)");
            (FrameCount, Shape) = dims.Length switch
            {
                2 => (1, new FrameShape((int)dims[1], (int)dims[0], 0, type)),
                3 => ((int)dims[0], new FrameShape((int)dims[2], (int)dims[1], 0, type)),
                _ => throw new StreamingConfigurationException($"{path}: dataset {datasetPath} has rank {dims.Length}, expected (n, ny, nx)"),
            };
        }
        catch (Exception e) when (e is not StreamingConfigurationException)
        {
            _file.Dispose();
            throw new StreamingConfigurationException($"{path}: cannot read dataset {datasetPath}: {e.Message}", e);
        }
    }

    public string Name { get; }

    public FrameShape Shape { get; }

    public int FrameCount { get; }

    public PvArray ReadFrame(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)FrameCount, nameof(index));
        var array = PvArray.Allocate(Shape.ElementType, Shape.Elements, _pool);
        var selection = _rank == 3
            ? new HyperslabSelection(3, [(ulong)index, 0, 0], [1, (ulong)Shape.Ny, (ulong)Shape.Nx])
            : null;
        lock (_lock)
        {
            switch (Shape.ElementType.ElementSize())
            {
                case 1:
                    Read(array.GetWritableSpan<byte>(), selection);
                    break;
                case 2:
                    Read(array.GetWritableSpan<ushort>(), selection);
                    break;
                case 4 when Shape.ElementType == ScalarType.Float:
                    Read(array.GetWritableSpan<float>(), selection);
                    break;
                case 4:
                    Read(array.GetWritableSpan<uint>(), selection);
                    break;
                case 8 when Shape.ElementType == ScalarType.Double:
                    Read(array.GetWritableSpan<double>(), selection);
                    break;
                default:
                    Read(array.GetWritableSpan<ulong>(), selection);
                    break;
            }
        }

        return array;
    }

    private void Read<T>(Span<T> target, Selection? selection)
        where T : unmanaged =>
        _dataset.Read(target, fileSelection: selection, memoryDims: [(ulong)target.Length]);

    public void Dispose() => _file.Dispose();

    private static ScalarType? ElementTypeOf(IH5DataType type) => type.Class switch
    {
        H5DataTypeClass.FixedPoint => (type.Size, type.FixedPoint.IsSigned) switch
        {
            (1, true) => ScalarType.Byte,
            (1, false) => ScalarType.UByte,
            (2, true) => ScalarType.Short,
            (2, false) => ScalarType.UShort,
            (4, true) => ScalarType.Int,
            (4, false) => ScalarType.UInt,
            (8, true) => ScalarType.Long,
            (8, false) => ScalarType.ULong,
            _ => null,
        },
        H5DataTypeClass.FloatingPoint => type.Size switch
        {
            4 => ScalarType.Float,
            8 => ScalarType.Double,
            _ => null,
        },
        _ => null,
    };

    internal static bool IsHdf5(string path) =>
        Path.GetExtension(path).ToLowerInvariant() is ".h5" or ".hdf" or ".hdf5";
}
