using System.Runtime.InteropServices;
using Epics.Pva.Data;
using Epics.Pva.Data.NT;
using PureHDF;
using PureHDF.Selections;

namespace Epics.Streaming.Processors.Hdf5;

/// <summary>
/// The frames of one HDF5 file, held (by reference, not copied) until the file is written, so the file has exactly the
/// frames it got. Layout (NeXus): <c>/entry</c> (NXentry) → <c>/entry/data</c> (NXdata, <c>signal</c> = the image
/// dataset) with the image dataset [n, ny, nx] (or [n, ny, nx, 3] for colour) chunked one frame per chunk, and the
/// per-frame datasets <c>uniqueId</c>, <c>timeStamp</c> and <c>dataTimeStamp</c> (seconds since 1970);
/// <c>/entry/instrument/NDAttributes/&lt;name&gt;</c> holds each NTNDArray attribute per frame (numbers as float64,
/// text as strings).
/// </summary>
internal sealed class Hdf5ImageFile : IDisposable
{
    private readonly List<PvArray> _images = [];
    private readonly List<int> _ids = [];
    private readonly List<double> _timeStamps = [];
    private readonly List<double> _dataTimeStamps = [];
    private readonly Dictionary<string, List<object?>> _attributes = new(StringComparer.Ordinal);

    public Hdf5ImageFile(string path, ImageShape shape, ScalarType elementType)
    {
        Path = path;
        Shape = shape;
        ElementType = elementType;
    }

    public string Path { get; }

    public ImageShape Shape { get; }

    public ScalarType ElementType { get; }

    public int Count => _images.Count;

    /// <summary>Whether a frame of <paramref name="shape"/> and <paramref name="type"/> fits this file's dataset.</summary>
    public bool Fits(ImageShape shape, ScalarType type) => shape == Shape && type == ElementType;

    /// <summary>Adds a frame; <paramref name="pixels"/> is taken over.</summary>
    public void Add(NTNDArray frame, PvArray pixels)
    {
        _images.Add(pixels);
        _ids.Add(frame.UniqueId);
        _timeStamps.Add(Seconds(frame.TimeStamp));
        _dataTimeStamps.Add(Seconds(frame.DataTimeStamp));
        foreach (var attribute in frame.Attributes)
        {
            if (!_attributes.TryGetValue(attribute.Name, out var values))
            {
                values = [];
                _attributes[attribute.Name] = values;
            }

            // An attribute missing from earlier frames gets empty slots there.
            while (values.Count < _images.Count - 1)
            {
                values.Add(null);
            }

            values.Add(attribute.Value);
        }
    }

    /// <summary>Writes the file (replacing it) with <paramref name="datasetName"/> and returns its size.</summary>
    public long Write(string datasetName) => ElementType switch
    {
        ScalarType.Byte => Write<sbyte>(datasetName),
        ScalarType.UByte => Write<byte>(datasetName),
        ScalarType.Short => Write<short>(datasetName),
        ScalarType.UShort => Write<ushort>(datasetName),
        ScalarType.Int => Write<int>(datasetName),
        ScalarType.UInt => Write<uint>(datasetName),
        ScalarType.Long => Write<long>(datasetName),
        ScalarType.ULong => Write<ulong>(datasetName),
        ScalarType.Float => Write<float>(datasetName),
        ScalarType.Double => Write<double>(datasetName),
        _ => throw new NotSupportedException($"{ElementType.TypeName()} frames cannot be written to HDF5"),
    };

    public void Dispose()
    {
        foreach (var image in _images)
        {
            image.Dispose();
        }

        _images.Clear();
    }

    private long Write<T>(string datasetName)
        where T : unmanaged
    {
        var n = (ulong)_images.Count;
        ulong[] frameDims = Shape.IsColor ? [(ulong)Shape.Ny, (ulong)Shape.Nx, 3] : [(ulong)Shape.Ny, (ulong)Shape.Nx];
        ulong[] dims = [n, .. frameDims];
        uint[] chunks = [1, .. frameDims.Select(d => (uint)d)];
        var images = new H5Dataset<T[]>(dims, chunks);
        images.Attributes["interpretation"] = "image";

        var data = new H5Group
        {
            [datasetName] = images,
            ["uniqueId"] = _ids.ToArray(),
            ["timeStamp"] = _timeStamps.ToArray(),
            ["dataTimeStamp"] = _dataTimeStamps.ToArray(),
        };
        data.Attributes["NX_class"] = "NXdata";
        data.Attributes["signal"] = datasetName;

        var entry = new H5Group { ["data"] = data };
        entry.Attributes["NX_class"] = "NXentry";
        entry.Attributes["default"] = "data";
        if (_attributes.Count > 0)
        {
            var ndAttributes = new H5Group();
            ndAttributes.Attributes["NX_class"] = "NXcollection";
            foreach (var (name, values) in _attributes)
            {
                while (values.Count < _images.Count)
                {
                    values.Add(null);
                }

                ndAttributes[name] = AttributeColumn(values);
            }

            var instrument = new H5Group { ["NDAttributes"] = ndAttributes };
            instrument.Attributes["NX_class"] = "NXinstrument";
            entry["instrument"] = instrument;
        }

        var file = new H5File { ["entry"] = entry };
        file.Attributes["default"] = "entry";
        using (var writer = file.BeginWrite(Path))
        {
            var frame = new T[Shape.Elements];
            var frameBytes = MemoryMarshal.AsBytes(frame.AsSpan());
            ulong[] blocks = [1, .. frameDims];
            for (var i = 0; i < _images.Count; i++)
            {
                Interleave(_images[i].Bytes, frameBytes);
                ulong[] starts = [(ulong)i, .. frameDims.Select(_ => 0UL)];
                writer.Write(images, frame, fileSelection: new HyperslabSelection(dims.Length, starts, blocks));
            }
        }

        return new FileInfo(Path).Length;
    }

    // Colour frames are stored pixel-interleaved (the [ny, nx, 3] layout viewers expect).
    private void Interleave(ReadOnlySpan<byte> source, Span<byte> target)
    {
        if (Shape.ColorMode is not (NDColorMode.RGB2 or NDColorMode.RGB3))
        {
            source.CopyTo(target);
            return;
        }

        var size = ElementType.ElementSize();
        int nx = Shape.Nx, ny = Shape.Ny;
        for (var y = 0; y < ny; y++)
        {
            for (var c = 0; c < 3; c++)
            {
                var from = Shape.ColorMode == NDColorMode.RGB2 ? ((y * 3) + c) * nx : ((c * ny) + y) * nx;
                for (var x = 0; x < nx; x++)
                {
                    source.Slice((from + x) * size, size).CopyTo(target.Slice((((y * nx) + x) * 3 + c) * size, size));
                }
            }
        }
    }

    private static object AttributeColumn(List<object?> values)
    {
        if (values.All(v => v is null or string))
        {
            return values.Select(v => v as string ?? string.Empty).ToArray();
        }

        return values.Select(v => v switch
        {
            null or string => double.NaN,
            bool b => b ? 1.0 : 0.0,
            IConvertible c => c.ToDouble(System.Globalization.CultureInfo.InvariantCulture),
            _ => double.NaN,
        }).ToArray();
    }

    private static double Seconds(PvTimeStamp stamp) => stamp.SecondsPastEpoch + (stamp.Nanoseconds / 1e9);
}
