using System.Runtime.InteropServices;
using Epics.Pva.Data;
using PureHDF;
using PureHDF.Selections;
using PureHDF.VOL.Native;
using Epics.Streaming.Frames;

namespace Epics.Streaming.Formats.Hdf5;

/// <summary>
/// Frames from an HDF5 dataset (<c>-hds</c>) read with PureHDF along axis 0: shape (n, ny, nx) or (ny, nx). Chunks
/// compressed with lz4 (32004) or bitshuffle/bslz4 (32008) are decoded by our filters (see <see cref="Hdf5Filters"/>).
/// In stored-chunk mode (<c>-hcm</c>) each frame is its chunk exactly as stored in the file, with the codec named
/// after the filter, so consumers receive what the detector wrote.
/// </summary>
internal sealed class Hdf5FrameSource : IFrameSource
{
    private static readonly H5DatasetAccess Uncached = new(null!, null!, new NoChunkCache());
    private readonly FrameBufferPool _pool;
    private readonly NativeFile _file;
    private readonly NativeDataset _dataset;
    private readonly int _rank;
    private readonly Lock _lock = new();
    private PvArray? _scratch;

    static Hdf5FrameSource() => Hdf5Filters.EnsureRegistered();

    /// <param name="path">The HDF5 file.</param>
    /// <param name="datasetPath">The dataset inside it.</param>
    /// <param name="pool">Where frame buffers come from.</param>
    /// <param name="storedChunks">
    /// Publish chunks as stored (<c>-hcm</c>). Needs one chunk per frame and a single lz4, bslz4 or blosc filter; a
    /// dataset without a compression filter is read decoded (see <see cref="Note"/>).
    /// </param>
    public Hdf5FrameSource(string path, string datasetPath, FrameBufferPool pool, bool storedChunks = false)
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
            _dataset = OpenDataset(_file, path, datasetPath);
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
            if (storedChunks && FrameCount > 0)
            {
                Codec = ProbeStoredChunks(datasetPath);
            }
        }
        catch (Exception e) when (e is not StreamingConfigurationException)
        {
            _file.Dispose();
            throw new StreamingConfigurationException($"{path}: cannot read dataset {datasetPath}: {e.Message}", e);
        }
        catch
        {
            _file.Dispose();
            throw;
        }
    }

    public string Name { get; }

    public FrameShape Shape { get; }

    public int FrameCount { get; }

    /// <summary>The codec of stored chunks (lz4, bslz4, blosc), or "" when frames are read decoded.</summary>
    public string Codec { get; } = string.Empty;

    /// <summary>A remark for the operator about how the frames are read, or null.</summary>
    public string? Note { get; private set; }

    public PvArray ReadFrame(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)FrameCount, nameof(index));
        var array = PvArray.Allocate(Shape.ElementType, Shape.Elements, _pool);
        lock (_lock)
        {
            Read(array, index, access: default);
        }

        return array;
    }

    /// <summary>
    /// Frame <paramref name="index"/> as its stored chunk with <see cref="Codec"/>; a chunk HDF5 stored unfiltered
    /// (compression is optional per chunk) comes back decoded with codec "".
    /// </summary>
    public SimFrame ReadPublishable(int index)
    {
        if (Codec.Length == 0)
        {
            var frame = ReadFrame(index);
            return new SimFrame(frame, Shape, string.Empty, frame.ByteLength);
        }

        return ReadStoredFrame(index);
    }

    public SimFrame ReadStoredFrame(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)FrameCount, nameof(index));
        var stored = ReadStored(index);
        return new SimFrame(stored.Data, Shape, stored.Filter?.Name ?? string.Empty, Shape.ByteLength);
    }

    /// <summary>The stored chunk of frame <paramref name="index"/> and the filter that wrote it, or the decoded frame and no filter.</summary>
    private (PvArray Data, Hdf5CodecFilter? Filter, uint[] Parameters, int CodecFilters) ReadStored(int index)
    {
        lock (_lock)
        {
            // PureHDF still copies a (placeholder) frame into the target; one scratch frame serves every read.
            using var capture = Hdf5CodecFilter.BeginCapture(_pool);
            var target = _scratch ?? PvArray.Allocate(Shape.ElementType, Shape.Elements, _pool);
            _scratch = null;
            try
            {
                Read(target, index, Uncached);
            }
            catch
            {
                target.Dispose();
                throw;
            }

            if (capture.Filter is null)
            {
                return (target, null, [], 0);
            }

            _scratch = target;
            return (capture.TakeChunk(), capture.Filter, capture.Parameters, capture.CodecFilters);
        }
    }

    /// <summary>
    /// Checks that frame 0's stored chunk alone decodes to frame 0 with one of our codecs, so what is streamed can be
    /// decoded by a consumer; returns the codec, or "" (with a <see cref="Note"/>) for a dataset without compression.
    /// </summary>
    private string ProbeStoredChunks(string datasetPath)
    {
        var chunks = _dataset.Layout.Class == H5DataLayoutClass.Chunked ? _dataset.Layout.Chunks : [];
        ulong[] perFrame = _rank == 3 ? [1, (ulong)Shape.Ny, (ulong)Shape.Nx] : [(ulong)Shape.Ny, (ulong)Shape.Nx];
        if (chunks.Length < perFrame.Length || !chunks.AsSpan(0, perFrame.Length).SequenceEqual(perFrame))
        {
            if (_dataset.Layout.Class != H5DataLayoutClass.Chunked)
            {
                Note = $"{Name}: {datasetPath} is not chunked, so it has no compressed chunks; frames are sent uncompressed";
                return string.Empty;
            }

            throw new StreamingConfigurationException(
                $"{Name}: --hdf-compression-mode needs one chunk per frame, but {datasetPath} has chunks of ({string.Join(", ", chunks.Take(perFrame.Length))}) for frames of ({string.Join(", ", perFrame)})");
        }

        PvArray? decoded = null;
        string? undecodable = null;
        try
        {
            decoded = ReadFrame(0);
        }
        catch (Exception e) when ((e as InvalidDataException ?? e.InnerException as InvalidDataException) is { } bad)
        {
            undecodable = bad.Message; // e.g. zstd inside blosc: it cannot be checked here, but it can still stream
        }

        using var frame0 = decoded;
        var (chunk, filter, parameters, codecFilters) = ReadStored(0);
        using var stored = chunk;
        if (filter is null)
        {
            Note = $"{Name}: the first chunk of {datasetPath} is not stored compressed by an lz4, bslz4 or blosc filter; frames are sent uncompressed";
            return string.Empty;
        }

        if (undecodable is not null)
        {
            Note = $"{Name}: {datasetPath} cannot be decoded here ({undecodable}); its {filter.Name} chunks are streamed as stored without checking them";
            return codecFilters == 1 ? filter.Name
                : throw new StreamingConfigurationException($"{Name}: the chunks of {datasetPath} pass through more filters than {filter.Name}; leave out --hdf-compression-mode");
        }

        var check = new byte[decoded!.ByteLength];
        var same = codecFilters == 1;
        try
        {
            same = same && filter.Decode(stored.Bytes, parameters, check) == check.Length && check.AsSpan().SequenceEqual(decoded.Bytes);
        }
        catch (InvalidDataException)
        {
            same = false;
        }

        return same
            ? filter.Name
            : throw new StreamingConfigurationException(
                $"{Name}: the chunks of {datasetPath} pass through more filters than {filter.Name} (for example shuffle), so a consumer could not decode them as {filter.Name}; leave out --hdf-compression-mode to stream decoded frames");
    }

    private void Read(PvArray array, int index, H5DatasetAccess access)
    {
        var selection = _rank == 3
            ? new HyperslabSelection(3, [(ulong)index, 0, 0], [1, (ulong)Shape.Ny, (ulong)Shape.Nx])
            : null;
        switch (Shape.ElementType.ElementSize())
        {
            case 1:
                Read(array.WritableBytes, selection, access);
                break;
            case 2:
                Read(MemoryMarshal.Cast<byte, ushort>(array.WritableBytes), selection, access);
                break;
            case 4 when Shape.ElementType == ScalarType.Float:
                Read(array.GetWritableSpan<float>(), selection, access);
                break;
            case 4:
                Read(MemoryMarshal.Cast<byte, uint>(array.WritableBytes), selection, access);
                break;
            case 8 when Shape.ElementType == ScalarType.Double:
                Read(array.GetWritableSpan<double>(), selection, access);
                break;
            default:
                Read(MemoryMarshal.Cast<byte, ulong>(array.WritableBytes), selection, access);
                break;
        }
    }

    // A default access uses PureHDF's own chunk cache.
    private void Read<T>(Span<T> target, Selection? selection, H5DatasetAccess access)
        where T : unmanaged =>
        _dataset.Read(access, target, fileSelection: selection, memoryDims: [(ulong)target.Length]);

    public void Dispose()
    {
        _scratch?.Dispose();
        _file.Dispose();
    }

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

    // A dataset that is not there is the usual slip (-hds /entry/data for /entry/data/data): say what the file has.
    private static NativeDataset OpenDataset(NativeFile file, string path, string datasetPath)
    {
        IH5Dataset dataset;
        try
        {
            dataset = file.Dataset(datasetPath);
        }
        catch (Exception e) when (e is not StreamingConfigurationException)
        {
            var names = DatasetPaths(file, "/", MaxListedDatasets + 1);
            var listed = names.Count == 0 ? "the file has no datasets"
                : "datasets in the file: " + string.Join(", ", names.Take(MaxListedDatasets)) + (names.Count > MaxListedDatasets ? ", ..." : string.Empty);
            throw new StreamingConfigurationException($"{path}: cannot read dataset {datasetPath}: there is no such dataset; {listed}", e);
        }

        return dataset as NativeDataset ?? throw new StreamingConfigurationException($"{path}: {datasetPath} is not a dataset");
    }

    private const int MaxListedDatasets = 20;

    private static List<string> DatasetPaths(IH5Group group, string prefix, int limit)
    {
        var result = new List<string>();
        foreach (var child in group.Children())
        {
            if (result.Count >= limit)
            {
                break;
            }

            var name = prefix + child.Name;
            if (child is IH5Dataset)
            {
                result.Add(name);
            }
            else if (child is IH5Group g)
            {
                result.AddRange(DatasetPaths(g, name + "/", limit - result.Count));
            }
        }

        return result;
    }

    internal static bool IsHdf5(string path) =>
        Path.GetExtension(path).ToLowerInvariant() is ".h5" or ".hdf" or ".hdf5";

    /// <summary>Stored-chunk reads must run the filters every time, so they bypass PureHDF's chunk cache.</summary>
    private sealed class NoChunkCache : IReadingChunkCache
    {
        public Memory<byte> GetChunk(ulong chunkIndex, Func<Memory<byte>> chunkReader) => chunkReader();
    }
}
