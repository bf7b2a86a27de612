// Example image processor for a collector: puts the tiles of SplitAdImageProcessor (or of the reference's splitter)
// back together and publishes each whole frame, bit for bit the original, once all its tiles are in. Any grid of
// tiles, any pixel type and colour mode. Tiles that say where they belong (tileOffsetX/Y, frameNx/Ny, tileCount)
// need no settings; the reference's tiles (tileIndexX = tile row, tileIndexY = tile column, all of one size) need the
// frame size as nx and ny.
// Run it with:  pvstream collector -pid 1,2,3,4 -ic consumer:*:output -oc stitch:output -pf examples/processors/StitchAdImageProcessor.cs
//                 -pc StitchAdImageProcessor -pa '{"nx": 3840, "ny": 2160}'
// The usual namespaces (System.*, Epics.Pva.Data, Epics.Pva.Data.NT, Epics.Streaming.Processing,
// Microsoft.Extensions.Logging, System.Text.Json.Nodes) are imported for you.
using System.Diagnostics;
using System.Globalization;

public sealed class StitchAdImageProcessor : AdImageProcessor
{
    // The frames being put together, by id; each owns the array its tiles are copied into.
    private readonly SortedDictionary<int, Frame> _frames = [];
    private int? _lastStitched;
    private long _framesStitched;
    private long _framesMissed;
    private long _tilesProcessed;
    private long _tilesReceived;
    private long _tilesDiscarded;
    private double _tileProcessingTime;
    private double _frameStitchingTime;

    public StitchAdImageProcessor(JsonObject configuration)
        : base(configuration)
    {
        FrameNx = ReadInt(configuration, "nx") ?? 0;
        FrameNy = ReadInt(configuration, "ny") ?? 0;
    }

    /// <summary>The frame width for tiles that do not carry it.</summary>
    public int FrameNx { get; private set; }

    /// <summary>The frame height for tiles that do not carry it.</summary>
    public int FrameNy { get; private set; }

    public override void Configure(JsonNode? configuration)
    {
        if (configuration is JsonObject o)
        {
            FrameNx = ReadInt(o, "nx") ?? FrameNx;
            FrameNy = ReadInt(o, "ny") ?? FrameNy;
        }
    }

    // The output is a plain NTNDArray (the tiles' extra fields are gone).
    public override PvValue? GetOutputPvObjectType(PvValue firstInput) => NTNDArray.Create().Structure;

    public override PvValue? Process(PvValue value)
    {
        var started = Stopwatch.GetTimestamp();
        _tilesReceived++;
        var info = Describe(value);
        if (info.ElementType is not { } type)
        {
            return value;
        }

        var id = info.ImageId;
        if (id <= _lastStitched)
        {
            _tilesDiscarded++; // its frame is already out (or given up)
            return value;
        }

        var tile = info.Shape;
        var frameNx = ReadField(value, "frameNx") ?? FrameNx;
        var frameNy = ReadField(value, "frameNy") ?? FrameNy;
        if (frameNx <= 0 || frameNy <= 0)
        {
            throw new InvalidDataException("the tile does not carry the frame size (frameNx, frameNy) and nx, ny are not configured");
        }

        var x = ReadField(value, "tileOffsetX") ?? ((ReadField(value, "tileIndexY") ?? 0) * tile.Nx);
        var y = ReadField(value, "tileOffsetY") ?? ((ReadField(value, "tileIndexX") ?? 0) * tile.Ny);
        var shape = new ImageShape(frameNx, frameNy, tile.ColorMode);
        if (!_frames.TryGetValue(id, out var frame))
        {
            var expected = ReadField(value, "tileCount") ?? ((frameNx / tile.Nx) * (frameNy / tile.Ny));
            var source = new NTNDArray(value);
            frame = new Frame(PvArray.Allocate(type, shape.Elements), shape, expected, source.DataTimeStamp);
            _frames.Add(id, frame);
        }

        if (frame.Shape != shape || frame.Pixels.ElementType != type || x + tile.Nx > frameNx || y + tile.Ny > frameNy)
        {
            throw new InvalidDataException($"tile {tile} at ({x}, {y}) of frame {id} does not fit the frame {frame.Shape} of {frame.Pixels.ElementType}");
        }

        if (frame.Placed.Add((x, y)))
        {
            CopyRectangle(new NTNDArray(value).Image.Bytes, tile, 0, 0, frame.Pixels.WritableBytes, shape, x, y, tile.Nx, tile.Ny, type.ElementSize());
        }

        _tilesProcessed++;
        _tileProcessingTime += Stopwatch.GetElapsedTime(started).TotalSeconds;
        if (frame.Placed.Count >= frame.Expected)
        {
            Stitch(id, frame);
        }

        return value;
    }

    public override void Stop()
    {
        foreach (var frame in _frames.Values)
        {
            frame.Pixels.Dispose();
        }

        _frames.Clear();
    }

    public override void ResetStats()
    {
        _framesStitched = _framesMissed = _tilesProcessed = _tilesReceived = _tilesDiscarded = 0;
        _tileProcessingTime = _frameStitchingTime = 0;
    }

    public override IReadOnlyDictionary<string, object> GetStats() => new Dictionary<string, object>
    {
        ["nFramesStitched"] = _framesStitched,
        ["nFramesMissed"] = _framesMissed,
        ["nTilesProcessed"] = _tilesProcessed,
        ["nTilesReceived"] = _tilesReceived,
        ["nTilesDiscarded"] = _tilesDiscarded,
        ["tileProcessingTime"] = new UnitValue(_tilesProcessed > 0 ? _tileProcessingTime / _tilesProcessed : 0, "s"),
        ["tileProcessingRate"] = new UnitValue(_tileProcessingTime > 0 ? _tilesProcessed / _tileProcessingTime : 0, "tps"),
        ["frameStitchingTime"] = new UnitValue(_framesStitched > 0 ? _frameStitchingTime / _framesStitched : 0, "s"),
        ["frameStitchingRate"] = new UnitValue(_frameStitchingTime > 0 ? _framesStitched / _frameStitchingTime : 0, "fps"),
    };

    public override IReadOnlyDictionary<string, ScalarType> GetStatsPvaTypes() => new Dictionary<string, ScalarType>
    {
        ["nFramesStitched"] = ScalarType.UInt,
        ["nFramesMissed"] = ScalarType.UInt,
        ["nTilesProcessed"] = ScalarType.UInt,
        ["nTilesReceived"] = ScalarType.UInt,
        ["nTilesDiscarded"] = ScalarType.UInt,
        ["tileProcessingTime"] = ScalarType.Double,
        ["tileProcessingRate"] = ScalarType.Double,
        ["frameStitchingTime"] = ScalarType.Double,
        ["frameStitchingRate"] = ScalarType.Double,
    };

    /// <summary>Copies a w x h rectangle of pixels (all colours) between two images of the same colour mode.</summary>
    public static void CopyRectangle(ReadOnlySpan<byte> source, ImageShape from, int sx, int sy, Span<byte> target, ImageShape to, int dx, int dy,
        int w, int h, int elementSize)
    {
        var planes = from.ColorMode is NDColorMode.RGB2 or NDColorMode.RGB3 ? 3 : 1;
        var run = (from.ColorMode == NDColorMode.RGB1 ? 3 * w : w) * elementSize;
        for (var r = 0; r < h; r++)
        {
            for (var c = 0; c < planes; c++)
            {
                source.Slice(Start(from, sx, sy + r, c) * elementSize, run).CopyTo(target.Slice(Start(to, dx, dy + r, c) * elementSize));
            }
        }
    }

    private void Stitch(int id, Frame frame)
    {
        var started = Stopwatch.GetTimestamp();
        _frames.Remove(id);
        using (var stitched = NTNDArray.Create().Structure)
        {
            var image = new NTNDArray(stitched);
            image.SetImage(frame.Pixels, frame.Shape); // the array goes to the frame
            image.UniqueId = id;
            image.TimeStamp = PvTimeStamp.Now();
            image.DataTimeStamp = frame.DataTimeStamp; // the frame's, carried by every tile
            stitched.MarkAllChanged();
            UpdateOutputChannel(stitched);
        }

        if (_lastStitched is { } last && id - last - 1 > 0)
        {
            _framesMissed += id - last - 1;
        }

        _lastStitched = id;
        _framesStitched++;

        // Frames before this one will not be completed any more: their tiles are given up.
        foreach (var old in _frames.Keys.TakeWhile(k => k < id).ToList())
        {
            _tilesDiscarded += _frames[old].Placed.Count;
            _frames[old].Pixels.Dispose();
            _frames.Remove(old);
        }

        _frameStitchingTime += Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    // The element index where the row of colour c at (x, y) starts (framework.md §2.5 layouts).
    private static int Start(ImageShape s, int x, int y, int c) => s.ColorMode switch
    {
        NDColorMode.RGB1 => ((y * s.Nx) + x) * 3,
        NDColorMode.RGB2 => (((y * 3) + c) * s.Nx) + x,
        NDColorMode.RGB3 => (((c * s.Ny) + y) * s.Nx) + x,
        _ => (y * s.Nx) + x,
    };

    private static int? ReadField(PvValue value, string name) =>
        value.TryGetField(name, out var f) && f.Type.Kind == TypeKind.Scalar ? f.GetInt32() : null;

    private static int? ReadInt(JsonObject configuration, string key) =>
        configuration.TryGetPropertyValue(key, out var node) && node is JsonValue v
        && double.TryParse(v.GetValueKind() == System.Text.Json.JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString(),
            NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? (int)d : null;

    private sealed class Frame(PvArray pixels, ImageShape shape, int expected, PvTimeStamp dataTimeStamp)
    {
        public PvArray Pixels { get; } = pixels;

        public ImageShape Shape { get; } = shape;

        public int Expected { get; } = expected;

        public PvTimeStamp DataTimeStamp { get; } = dataTimeStamp;

        public HashSet<(int X, int Y)> Placed { get; } = [];
    }
}
