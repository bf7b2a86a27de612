using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Epics.Pva.Data;
using Epics.Pva.Data.NT;
using Epics.Streaming.Codecs;

namespace Epics.Streaming.Processors.Hdf5;

/// <summary>
/// One HDF5 file being written: each frame's image goes to the file as one chunk when it arrives (compressed frames as
/// they came, with the matching filter), the small per-frame columns and the metadata when the file is closed, so
/// the file has exactly the frames it got. Layout (NeXus): <c>/entry</c> (NXentry) → <c>/entry/data</c> (NXdata,
/// <c>signal</c> = the image dataset) with the image dataset [n, ny, nx] (or [n, ny, nx, 3] for colour) chunked one
/// frame per chunk, and the per-frame datasets <c>uniqueId</c>, <c>timeStamp</c> and <c>dataTimeStamp</c> (seconds
/// since 1970); <c>/entry/instrument/NDAttributes/&lt;name&gt;</c> holds each NTNDArray attribute per frame (numbers as
/// float64, text as strings).
/// </summary>
internal sealed class Hdf5ImageFile : IDisposable
{
    private readonly Hdf5FileWriter _writer;
    private readonly List<StoredChunk> _chunks = [];
    private readonly List<int> _ids = [];
    private readonly List<double> _timeStamps = [];
    private readonly List<double> _dataTimeStamps = [];
    private readonly Dictionary<string, List<object?>> _attributes = new(StringComparer.Ordinal);
    private readonly int _elementSize;
    private byte[] _interleaved = [];

    /// <summary>
    /// A new file at <paramref name="path"/> for frames of <paramref name="shape"/> and <paramref name="elementType"/>;
    /// with <paramref name="codec"/> "bslz4" or "lz4" its chunks are stored with that HDF5 filter.
    /// </summary>
    public Hdf5ImageFile(string path, ImageShape shape, ScalarType elementType, string codec)
    {
        Path = path;
        Shape = shape;
        ElementType = elementType;
        _elementSize = elementType.ElementSize();
        Filter = ChunkFilter.For(codec, _elementSize);
        _writer = new Hdf5FileWriter(path);
    }

    public string Path { get; }

    public ImageShape Shape { get; }

    public ScalarType ElementType { get; }

    /// <summary>The filter of the image chunks, or null when they are stored plain.</summary>
    public ChunkFilter? Filter { get; }

    public int Count => _ids.Count;

    /// <summary>Bytes of one uncompressed frame.</summary>
    public int FrameBytes => Shape.Elements * _elementSize;

    /// <summary>Whether a frame of <paramref name="shape"/> and <paramref name="type"/> fits this file's dataset.</summary>
    public bool Fits(ImageShape shape, ScalarType type) => shape == Shape && type == ElementType;

    /// <summary>Writes the frame's image as the next chunk and keeps its ids, time stamps and attributes.</summary>
    public void Add(NTNDArray frame)
    {
        AddChunk(frame);
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
            while (values.Count < _ids.Count - 1)
            {
                values.Add(null);
            }

            values.Add(attribute.Value);
        }
    }

    /// <summary>Writes the datasets and metadata with <paramref name="datasetName"/>, completing the file; returns its size.</summary>
    public long Complete(string datasetName)
    {
        var n = (ulong)Count;
        ulong[] frameDims = Shape.IsColor ? [(ulong)Shape.Ny, (ulong)Shape.Nx, 3] : [(ulong)Shape.Ny, (ulong)Shape.Nx];
        ulong[] dims = [n, .. frameDims];
        uint[] chunkDims = [1, .. frameDims.Select(d => (uint)d)];
        var sizeBytes = Hdf5FileWriter.ChunkSizeBytes((ulong)FrameBytes);
        var (index, pageBits) = _writer.AppendChunkIndex(_chunks, Filter is not null, sizeBytes);
        var imageMessages = new List<(byte, byte[])>
        {
            (Hdf5Messages.Dataspace, Hdf5Messages.DataspaceOf(dims)),
            (Hdf5Messages.Datatype, Hdf5Messages.DatatypeOf(ElementType)),
            (Hdf5Messages.FillValue, Hdf5Messages.FillValueMessage(3)),
            (Hdf5Messages.Layout, Hdf5Messages.ChunkedLayout(chunkDims, _elementSize, pageBits, index)),
        };
        if (Filter is { } filter)
        {
            imageMessages.Add((Hdf5Messages.FilterPipeline, Hdf5Messages.FilterPipelineOf(filter.Id, filter.Name, filter.Parameters)));
        }

        imageMessages.Add((Hdf5Messages.Attribute, Hdf5Messages.StringAttribute("interpretation", "image")));
        var images = _writer.AppendObjectHeader(imageMessages);

        var data = Group(
            [
                (datasetName, images),
                ("uniqueId", Column(ScalarType.Int, MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(_ids)))),
                ("timeStamp", Column(ScalarType.Double, MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(_timeStamps)))),
                ("dataTimeStamp", Column(ScalarType.Double, MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(_dataTimeStamps)))),
            ],
            [("NX_class", "NXdata"), ("signal", datasetName)]);
        var entryLinks = new List<(string, ulong)> { ("data", data) };
        if (_attributes.Count > 0)
        {
            var columns = _attributes.Select(a => (a.Key, AttributeColumn(a.Value))).ToList();
            var ndAttributes = Group(columns, [("NX_class", "NXcollection")]);
            entryLinks.Add(("instrument", Group([("NDAttributes", ndAttributes)], [("NX_class", "NXinstrument")])));
        }

        var entry = Group(entryLinks, [("NX_class", "NXentry"), ("default", "data")]);
        var root = Group([("entry", entry)], [("default", "entry")]);
        _writer.Finish(root);
        return (long)_writer.Position;
    }

    public void Dispose() => _writer.Dispose();

    private void AddChunk(NTNDArray frame)
    {
        var stored = frame.Image.Bytes;
        var codec = frame.CodecName;
        if (Filter is { } filter && codec == filter.Codec && !NeedsInterleave)
        {
            // As it came: with the chunk header the filter expects (what HDF5 files and -hcm hold), or given one.
            var header = filter.HeaderFor(stored, FrameBytes);
            if (header is not null)
            {
                var address = _writer.Append(header, stored);
                _chunks.Add(new StoredChunk(address, (ulong)(header.Length + stored.Length), 0));
                return;
            }
        }

        using var pixels = codec.Length == 0 ? null : NdArrayCodec.Decompress(frame.Structure);
        var plain = pixels is null ? stored : pixels.Bytes;
        if (plain.Length != FrameBytes)
        {
            throw new InvalidDataException($"frame {frame.UniqueId} has {plain.Length} bytes of pixels, not the {FrameBytes} of its {Shape} {ElementType.TypeName()} image");
        }

        var at = _writer.Append(NeedsInterleave ? Interleave(plain) : plain);
        // In a filtered file a plain chunk says so in its filter mask (bit 0: the one filter skipped).
        _chunks.Add(new StoredChunk(at, (ulong)FrameBytes, Filter is null ? 0u : 1u));
    }

    // RGB2 and RGB3 frames are stored pixel-interleaved (the [ny, nx, 3] layout viewers expect); RGB1 already is.
    private bool NeedsInterleave => Shape.ColorMode is NDColorMode.RGB2 or NDColorMode.RGB3;

    private ReadOnlySpan<byte> Interleave(ReadOnlySpan<byte> source)
    {
        if (_interleaved.Length != source.Length)
        {
            _interleaved = new byte[source.Length];
        }

        var target = _interleaved.AsSpan();
        var size = _elementSize;
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

        return target;
    }

    private ulong Group(IEnumerable<(string Name, ulong Address)> links, IEnumerable<(string Name, string Value)> attributes)
    {
        var messages = new List<(byte, byte[])>
        {
            (Hdf5Messages.LinkInfo, Hdf5Messages.LinkInfoMessage()),
            (Hdf5Messages.GroupInfo, Hdf5Messages.GroupInfoMessage()),
        };
        messages.AddRange(links.Select(l => (Hdf5Messages.Link, Hdf5Messages.HardLink(l.Name, l.Address))));
        messages.AddRange(attributes.Select(a => (Hdf5Messages.Attribute, Hdf5Messages.StringAttribute(a.Name, a.Value))));
        return _writer.AppendObjectHeader(messages);
    }

    /// <summary>A one-dimensional contiguous dataset of <see cref="Count"/> values.</summary>
    private ulong Column(ScalarType type, ReadOnlySpan<byte> values) =>
        Dataset(Hdf5Messages.DatatypeOf(type), values);

    private ulong Dataset(byte[] datatype, ReadOnlySpan<byte> values)
    {
        var address = _writer.Append(values);
        return _writer.AppendObjectHeader(
        [
            (Hdf5Messages.Dataspace, Hdf5Messages.DataspaceOf([(ulong)Count])),
            (Hdf5Messages.Datatype, datatype),
            (Hdf5Messages.FillValue, Hdf5Messages.FillValueMessage(2)),
            (Hdf5Messages.Layout, Hdf5Messages.ContiguousLayout(address, (ulong)values.Length)),
        ]);
    }

    private ulong AttributeColumn(List<object?> values)
    {
        while (values.Count < Count)
        {
            values.Add(null);
        }

        if (values.All(v => v is null or string))
        {
            var texts = values.Select(v => Encoding.UTF8.GetBytes(v as string ?? string.Empty)).ToList();
            var width = Math.Max(1, texts.Max(t => t.Length));
            var packed = new byte[width * texts.Count];
            for (var i = 0; i < texts.Count; i++)
            {
                texts[i].CopyTo(packed, i * width);
            }

            return Dataset(Hdf5Messages.StringType(width), packed);
        }

        var numbers = values.Select(v => v switch
        {
            null or string => double.NaN,
            bool b => b ? 1.0 : 0.0,
            IConvertible c => c.ToDouble(System.Globalization.CultureInfo.InvariantCulture),
            _ => double.NaN,
        }).ToArray();
        return Column(ScalarType.Double, MemoryMarshal.AsBytes(numbers.AsSpan()));
    }

    private static double Seconds(PvTimeStamp stamp) => stamp.SecondsPastEpoch + (stamp.Nanoseconds / 1e9);
}

/// <summary>
/// The HDF5 filter a compressed frame's chunk is stored with: bitshuffle (32008) for "bslz4", LZ4 (32004) for "lz4".
/// </summary>
internal sealed record ChunkFilter(string Codec, ushort Id, string Name, uint[] Parameters)
{
    /// <summary>The filter for frames of <paramref name="codec"/>, or null when it has none.</summary>
    public static ChunkFilter? For(string codec, int elementSize) => codec switch
    {
        // bitshuffle parameters: version 0.3, element size, default block size, LZ4 compression.
        "bslz4" => new ChunkFilter(codec, 32008, "bitshuffle", [0, 3, (uint)elementSize, 0, 2]),
        "lz4" => new ChunkFilter(codec, 32004, "lz4", []),
        _ => null,
    };

    /// <summary>
    /// What to write before <paramref name="data"/> (a frame of <paramref name="frameBytes"/> bytes) to make it the
    /// filter's chunk: nothing when it has the chunk header already (as HDF5 files and <c>-hcm</c> streams do), the
    /// header when it is areaDetector's bare form, or null when it cannot be stored as it is (then it is decoded, which also rejects a corrupt frame).
    /// </summary>
    public byte[]? HeaderFor(ReadOnlySpan<byte> data, int frameBytes)
    {
        if (Codec == "bslz4")
        {
            var elementSize = (int)Parameters[2];
            if (Bslz4Chunk.HasHeaderFor(data, frameBytes))
            {
                var blockBytes = (int)BinaryPrimitives.ReadUInt32BigEndian(data[8..]);
                return blockBytes > 0 && blockBytes % elementSize == 0
                    && Bslz4BlocksFit(data[Bslz4Chunk.HeaderLength..], frameBytes / elementSize, blockBytes / elementSize, elementSize) ? [] : null;
            }

            // areaDetector sends the blocks without the header; its block size is the default.
            var blockElements = Bitshuffle.DefaultBlockElements(elementSize);
            if (!Bslz4BlocksFit(data, frameBytes / elementSize, blockElements, elementSize))
            {
                return null;
            }

            var header = new byte[Bslz4Chunk.HeaderLength];
            BinaryPrimitives.WriteUInt64BigEndian(header, (ulong)frameBytes);
            BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(8), (uint)(blockElements * elementSize));
            return header;
        }

        if (Lz4Chunk.HasHeaderFor(data, frameBytes))
        {
            return Lz4BlocksFit(data, frameBytes) ? [] : null;
        }

        // A bare LZ4 block becomes one block of the frame's size, unless it is exactly that long (which the filter
        // would take for an uncompressed block).
        if (data.Length == frameBytes)
        {
            return null;
        }

        var lz4 = new byte[Lz4Chunk.HeaderLength + 4];
        BinaryPrimitives.WriteUInt64BigEndian(lz4, (ulong)frameBytes);
        BinaryPrimitives.WriteUInt32BigEndian(lz4.AsSpan(8), (uint)frameBytes);
        BinaryPrimitives.WriteUInt32BigEndian(lz4.AsSpan(12), (uint)data.Length);
        return lz4;
    }

    // Stored unread, a chunk is at least checked for its frame: the block sizes must add up to exactly its length
    // (full blocks, one block of the rest rounded down to 8 elements, then the last n mod 8 elements as they are).
    private static bool Bslz4BlocksFit(ReadOnlySpan<byte> blocks, int elements, int blockElements, int elementSize)
    {
        var at = 0L;
        var remaining = elements;
        while (remaining >= 8)
        {
            var n = Math.Min(blockElements, remaining - (remaining % 8));
            if (at + 4 > blocks.Length)
            {
                return false;
            }

            at += 4 + BinaryPrimitives.ReadUInt32BigEndian(blocks[(int)at..]);
            remaining -= n;
        }

        return at + ((long)remaining * elementSize) == blocks.Length;
    }

    private static bool Lz4BlocksFit(ReadOnlySpan<byte> chunk, int frameBytes)
    {
        var blockSize = (int)BinaryPrimitives.ReadUInt32BigEndian(chunk[8..]);
        blockSize = blockSize > 0 ? blockSize : frameBytes;
        long at = Lz4Chunk.HeaderLength;
        for (var done = 0; done < frameBytes; done += blockSize)
        {
            if (at + 4 > chunk.Length)
            {
                return false;
            }

            var size = BinaryPrimitives.ReadUInt32BigEndian(chunk[(int)at..]);
            if (size > Math.Min(blockSize, frameBytes - done))
            {
                return false;
            }

            at += 4 + size;
        }

        return at == chunk.Length;
    }
}
