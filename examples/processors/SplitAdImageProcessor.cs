// Example image processor: splits each image into tiles of nx by ny pixels and publishes every tile as an NTNDArray
// of its own, with the frame's uniqueId, so that a collector gets all tiles of a frame together and
// StitchAdImageProcessor puts them back exactly. Any pixel type and colour mode; the last column and row of tiles
// take what is left over, so no pixel is lost.
// Extra top-level int fields of a tile: tileIndexX (the tile row) and tileIndexY (the tile column), named as the
// reference names them so its stitcher reads ours; tileOffsetX and tileOffsetY (the tile's first pixel in the frame),
// frameNx and frameNy (the frame size) and tileCount (tiles per frame), so that any grid stitches without settings.
// Each tile's timeStamp is its own (the time it was made), as a data distributor downstream needs; its dataTimeStamp
// is the frame's.
// Run it with:  pvstream consumer -ic pvapy:image -oc split:*:output -pf examples/processors/SplitAdImageProcessor.cs
//                 -pc SplitAdImageProcessor -pa '{"nx": 1920, "ny": 1080}'
// The usual namespaces (System.*, Epics.Pva.Data, Epics.Pva.Data.NT, Epics.Streaming.Processing,
// Microsoft.Extensions.Logging, System.Text.Json.Nodes) are imported for you.
using System.Diagnostics;
using System.Globalization;

public sealed class SplitAdImageProcessor : AdImageProcessor
{
    public static readonly string[] TileFields = ["tileIndexX", "tileIndexY", "tileOffsetX", "tileOffsetY", "frameNx", "frameNy", "tileCount"];

    /// <summary>An NTNDArray with the tile fields.</summary>
    public static readonly PvType TileType = PvType.Structure(NTNDArray.Id,
        [.. NTNDArray.TypeFor().Members, .. TileFields.Select(f => new PvMember(f, PvType.Int))]);

    private long _processed;
    private double _processingTime;
    private PvTimeStamp _lastTileTime;

    public SplitAdImageProcessor(JsonObject configuration)
        : base(configuration)
    {
        TileNx = ReadInt(configuration, "nx") ?? 0;
        TileNy = ReadInt(configuration, "ny") ?? 0;
    }

    /// <summary>Tile width (0: the frame's width).</summary>
    public int TileNx { get; private set; }

    /// <summary>Tile height (0: the frame's height).</summary>
    public int TileNy { get; private set; }

    public override void Configure(JsonNode? configuration)
    {
        if (configuration is JsonObject o)
        {
            TileNx = ReadInt(o, "nx") ?? TileNx;
            TileNy = ReadInt(o, "ny") ?? TileNy;
        }
    }

    public override PvValue? GetOutputPvObjectType(PvValue firstInput) => new(TileType);

    public override PvValue? Process(PvValue value)
    {
        var started = Stopwatch.GetTimestamp();
        var info = Describe(value);
        if (info.ElementType is null)
        {
            return value;
        }

        var frame = new NTNDArray(value);
        var shape = info.Shape;
        var tileNx = TileNx > 0 ? Math.Min(TileNx, shape.Nx) : shape.Nx;
        var tileNy = TileNy > 0 ? Math.Min(TileNy, shape.Ny) : shape.Ny;
        var columns = (shape.Nx + tileNx - 1) / tileNx;
        var rows = (shape.Ny + tileNy - 1) / tileNy;
        var source = frame.Image.Bytes;
        var size = info.ElementType.Value.ElementSize();
        for (var row = 0; row < rows; row++)
        {
            for (var column = 0; column < columns; column++)
            {
                int x = column * tileNx, y = row * tileNy;
                var tileShape = new ImageShape(Math.Min(tileNx, shape.Nx - x), Math.Min(tileNy, shape.Ny - y), shape.ColorMode);
                var pixels = PvArray.Allocate(info.ElementType.Value, tileShape.Elements);
                CopyRectangle(source, shape, x, y, pixels.WritableBytes, tileShape, 0, 0, tileShape.Nx, tileShape.Ny, size);
                using var tile = new PvValue(TileType);
                var t = new NTNDArray(tile);
                t.SetImage(pixels, tileShape);
                t.UniqueId = info.ImageId;
                t.TimeStamp = NextTileTime();
                t.DataTimeStamp = frame.DataTimeStamp;
                foreach (var (name, v) in TileFields.Zip(new[] { row, column, x, y, shape.Nx, shape.Ny, rows * columns }))
                {
                    tile[name].Set((long)v);
                }

                tile.MarkAllChanged();
                UpdateOutputChannel(tile);
            }
        }

        _processed++;
        _processingTime += Stopwatch.GetElapsedTime(started).TotalSeconds;
        return value;
    }

    public override void ResetStats()
    {
        _processed = 0;
        _processingTime = 0;
    }

    public override IReadOnlyDictionary<string, object> GetStats() => new Dictionary<string, object>
    {
        ["nProcessed"] = _processed,
        ["processingTime"] = new UnitValue(_processingTime, "s"),
        ["processingRate"] = new UnitValue(_processingTime > 0 ? _processed / _processingTime : 0, "fps"),
    };

    public override IReadOnlyDictionary<string, ScalarType> GetStatsPvaTypes() => new Dictionary<string, ScalarType>
    {
        ["nProcessed"] = ScalarType.UInt,
        ["processingTime"] = ScalarType.Double,
        ["processingRate"] = ScalarType.Double,
    };

    /// <summary>
    /// Copies a w x h rectangle of pixels (all colours) from (sx, sy) of one image to (dx, dy) of another of the same
    /// colour mode, a contiguous run of elements at a time.
    /// </summary>
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

    // Each tile gets its own time stamp (now, and never the same twice): a data distributor downstream tells updates
    // apart by timeStamp by default, and would hand out only one tile of a frame if they all had the frame's.
    private PvTimeStamp NextTileTime()
    {
        var now = PvTimeStamp.Now();
        if (now.SecondsPastEpoch < _lastTileTime.SecondsPastEpoch
            || (now.SecondsPastEpoch == _lastTileTime.SecondsPastEpoch && now.Nanoseconds <= _lastTileTime.Nanoseconds))
        {
            now = _lastTileTime.Nanoseconds < 999_999_999
                ? _lastTileTime with { Nanoseconds = _lastTileTime.Nanoseconds + 1 }
                : new PvTimeStamp(_lastTileTime.SecondsPastEpoch + 1, 0);
        }

        _lastTileTime = now;
        return now;
    }

    // The element index where the row of colour c at (x, y) starts (framework.md §2.5 layouts).
    private static int Start(ImageShape s, int x, int y, int c) => s.ColorMode switch
    {
        NDColorMode.RGB1 => ((y * s.Nx) + x) * 3,
        NDColorMode.RGB2 => (((y * 3) + c) * s.Nx) + x,
        NDColorMode.RGB3 => (((c * s.Ny) + y) * s.Nx) + x,
        _ => (y * s.Nx) + x,
    };

    private static int? ReadInt(JsonObject configuration, string key) =>
        configuration.TryGetPropertyValue(key, out var node) && node is JsonValue v
        && double.TryParse(v.GetValueKind() == System.Text.Json.JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString(),
            NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? (int)d : null;
}
