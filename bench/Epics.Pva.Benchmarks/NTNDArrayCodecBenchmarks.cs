using BenchmarkDotNet.Attributes;
using Epics.Pva.Data;
using Epics.Pva.Data.NT;
using Epics.Pva.Protocol;

namespace Epics.Pva.Benchmarks;

/// <summary>
/// Encode and decode of one NTNDArray monitor update (header, ioid, subcommand, changed BitSet, the changed fields,
/// overrun BitSet) as a server sends it per frame. Steady state: one reused <see cref="MessageBuilder"/> and one
/// reused decode target, whose exclusive pooled image buffer the decoder overwrites in place.
/// <list type="bullet">
/// <item><c>Encode</c>: what the server does. Arrays of 64 KiB or more in wire order are spliced (referenced, not
/// copied), so for those it measures the framing only and its GB/s is not a copy rate.</item>
/// <item><c>EncodeMaterialised</c>: encode plus copying every byte of the message into one preallocated buffer, the
/// honest "bytes produced" rate (what a socket would have to move).</item>
/// <item><c>Decode</c>: a received message (contiguous, as the transport delivers it) onto the reused value.</item>
/// <item><c>RoundTrip</c>: EncodeMaterialised then Decode of that buffer.</item>
/// </list>
/// </summary>
[MemoryDiagnoser]
[Config(typeof(QuickConfig))]
public class NTNDArrayCodecBenchmarks
{
    private const uint Ioid = 7;
    private const byte SubcommandExecute = 0x00;

    private readonly MessageBuilder _builder = new();
    private readonly List<ArraySegment<byte>> _segments = new(8);
    private readonly BitSet _scratch = new();
    private readonly BitSet _overrunRead = new();
    private readonly BitSet _overrun = new();
    private NTNDArray _frame;
    private PvArray _image = null!;
    private BitSet _changed = null!;
    private PvValue _decoded = null!;
    private byte[] _wire = [];
    private byte[] _copy = [];

    /// <summary>The frame shapes of issue 2, the 16-bit one in both byte orders.</summary>
    public static IEnumerable<FrameCase> Frames =>
    [
        new(128, 128, ScalarType.UByte, false),
        new(1024, 1024, ScalarType.UByte, false),
        new(2048, 2048, ScalarType.UShort, false),
        new(2048, 2048, ScalarType.UShort, true),
        new(4096, 4096, ScalarType.UByte, false),
    ];

    /// <summary>The frame under test.</summary>
    [ParamsSource(nameof(Frames))]
    public FrameCase Frame { get; set; } = null!;

    /// <summary>Builds the frame, encodes it once for the decoder and primes the decode target.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _frame = NTNDArray.Create();
        _frame.SetDimensions(Frame.Width, Frame.Height);
        var image = PvArray.Allocate(Frame.Type, Frame.Width * Frame.Height);
        var bytes = image.WritableBytes;
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(i * 31);
        }

        _frame.SetImage(image);

        // A steady-state update changes the image, its sizes, uniqueId and both time stamps.
        _frame.Structure.Changed.Clear();
        _frame.SetImage(image.Retain());
        _frame.UniqueId = 42;
        _frame.DataTimeStamp = new PvTimeStamp(1_700_000_000, 123);
        _frame.TimeStamp = new PvTimeStamp(1_700_000_000, 456);
        _changed = new BitSet();
        _changed.Or(_frame.Structure.Changed);
        _image = image;

        var length = Encode();
        _copy = new byte[length];
        _wire = new byte[length];
        Materialise(_wire);
        _decoded = new PvValue(_frame.Structure.Type);
        Decode(_wire);
        if (_decoded["uniqueId"].GetInt32() != 42 || !_decoded["value"].Content!.Root.GetArray().Bytes.SequenceEqual(_frame.Image.Bytes))
        {
            throw new InvalidOperationException("round trip mismatch");
        }
    }

    /// <summary>Releases the frame buffers.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _builder.Dispose();
        _decoded.Dispose();
        _frame.Structure.Dispose();
    }

    /// <summary>Encode only (large arrays spliced by reference).</summary>
    [Benchmark]
    public long Encode()
    {
        _builder.Reset();
        var start = PvaHeader.Begin(_builder);
        var w = new PvaWriter(_builder, Frame.BigEndian);
        w.WriteUInt32(Ioid);
        w.WriteByte(SubcommandExecute);
        ValueCodec.WritePartial(w, _frame.Structure, _changed);
        w.WriteBitSet(_overrun);
        PvaHeader.End(_builder, start, fromServer: true, Frame.BigEndian, PvaCommand.Monitor);
        return _builder.Length;
    }

    /// <summary>Encode and copy every message byte into a preallocated buffer.</summary>
    [Benchmark]
    public long EncodeMaterialised()
    {
        Encode();
        return Materialise(_copy);
    }

    /// <summary>Decode onto the reused value.</summary>
    [Benchmark]
    public int Decode() => Decode(_wire);

    /// <summary>
    /// Encode then decode. Without splices the message is already one contiguous buffer (the image was copied into
    /// it) and is decoded from there; with splices it is materialised first, so every image byte is copied twice.
    /// </summary>
    [Benchmark]
    public int RoundTrip()
    {
        Encode();
        if (!_builder.HasSplices)
        {
            _segments.Clear();
            _builder.GetSegments(_segments);
            return Decode(_segments[0]);
        }

        Materialise(_copy);
        return Decode(_copy);
    }

    /// <summary>The floor: one plain copy of the image bytes (memory bandwidth of this machine).</summary>
    [Benchmark]
    public int CopyBaseline()
    {
        _image.Bytes.CopyTo(_copy);
        return _copy.Length;
    }

    // The non-allocating counterpart of MessageBuilder.ToArray.
    private int Materialise(byte[] destination)
    {
        _segments.Clear();
        _builder.GetSegments(_segments);
        var offset = 0;
        foreach (var s in _segments)
        {
            s.AsSpan().CopyTo(destination.AsSpan(offset));
            offset += s.Count;
        }

        return offset;
    }

    private int Decode(ArraySegment<byte> message)
    {
        var header = PvaHeader.Read(message);
        var reader = new PvaReader(message.AsSpan(PvaHeader.Size, (int)header.PayloadSize), header.IsBigEndian);
        var ioid = reader.ReadUInt32();
        reader.ReadByte();
        ValueCodec.ReadPartial(ref reader, _decoded, _scratch);
        reader.ReadBitSet(_overrunRead);
        return (int)ioid + reader.Remaining;
    }
}
