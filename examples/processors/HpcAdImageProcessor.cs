// Example image processor: rotates (transposes) every mono image and publishes it on the output channel.
// Run it with:  pvstream consumer -ic pvapy:image -oc consumer:*:output -pf examples/processors/HpcAdImageProcessor.cs -pc HpcAdImageProcessor
// The usual namespaces (System.*, Epics.Pva.Data, Epics.Pva.Data.NT, Epics.Streaming.Processing,
// Microsoft.Extensions.Logging, System.Text.Json.Nodes) are imported for you.
using System.Diagnostics;

public sealed class HpcAdImageProcessor : AdImageProcessor
{
    private long _processed;
    private double _processingTime;

    public HpcAdImageProcessor(JsonObject configuration)
        : base(configuration)
    {
    }

    public override void Configure(JsonNode? configuration) =>
        Logger.LogDebug("Configuration update: {Configuration}", configuration?.ToJsonString());

    public override PvValue? Process(PvValue value)
    {
        var started = Stopwatch.GetTimestamp();
        var info = Describe(value);
        if (info.ElementType is { } type && info.Shape.ColorMode == NDColorMode.Mono)
        {
            // The rotated image goes into a new pooled array; the input's pixels are only read.
            var rotated = PvArray.Allocate(type, info.Shape.Elements);
            switch (type)
            {
                case ScalarType.UByte: Transpose<byte>(value, rotated); break;
                case ScalarType.Byte: Transpose<sbyte>(value, rotated); break;
                case ScalarType.UShort: Transpose<ushort>(value, rotated); break;
                case ScalarType.Short: Transpose<short>(value, rotated); break;
                case ScalarType.UInt: Transpose<uint>(value, rotated); break;
                case ScalarType.Int: Transpose<int>(value, rotated); break;
                case ScalarType.ULong: Transpose<ulong>(value, rotated); break;
                case ScalarType.Long: Transpose<long>(value, rotated); break;
                case ScalarType.Float: Transpose<float>(value, rotated); break;
                case ScalarType.Double: Transpose<double>(value, rotated); break;
            }

            ReplaceNtNdArrayImage2D(value, info.ImageId, rotated, new ImageShape(info.Shape.Ny, info.Shape.Nx));
        }

        UpdateOutputChannel(value);
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

    // Row y of the input (nx wide) becomes column y of the output (ny wide).
    private static void Transpose<T>(PvValue value, PvArray rotated)
        where T : unmanaged
    {
        var image = GetImage<T>(value);
        var source = image.Pixels;
        var target = rotated.GetWritableSpan<T>();
        int nx = image.Nx, ny = image.Ny;
        for (var y = 0; y < ny; y++)
        {
            var row = source.Slice(y * nx, nx);
            for (var x = 0; x < nx; x++)
            {
                target[(x * ny) + y] = row[x];
            }
        }
    }
}
