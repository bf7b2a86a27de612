// Example image processor: publishes the mean of the last nImages images (default 10) in place of each image.
// Run it with:  pvstream consumer -ic pvapy:image -oc consumer:*:output -pf examples/processors/HpcAdImageMovingAverageProcessor.cs
//                 -pc HpcAdImageMovingAverageProcessor -pa '{"nImages": 5}'
// The usual namespaces (System.*, Epics.Pva.Data, Epics.Pva.Data.NT, Epics.Streaming.Processing,
// Microsoft.Extensions.Logging, System.Text.Json.Nodes) are imported for you.
using System.Diagnostics;
using System.Globalization;

public sealed class HpcAdImageMovingAverageProcessor : AdImageProcessor
{
    // The newest image first, as doubles; a change of geometry or pixel type starts the average again.
    private readonly LinkedList<double[]> _images = new();
    private ImageShape _shape;
    private ScalarType? _type;
    private long _processed;
    private double _processingTime;

    public HpcAdImageMovingAverageProcessor(JsonObject configuration)
        : base(configuration)
    {
        ImageCount = ReadImageCount(configuration) ?? 10;
    }

    /// <summary>How many of the latest images are averaged.</summary>
    public int ImageCount { get; private set; }

    public override void Configure(JsonNode? configuration)
    {
        if (configuration is JsonObject o && ReadImageCount(o) is { } n)
        {
            // The reference logs a value <= 0 as invalid but keeps it; here it is refused, so the average stays defined.
            if (n <= 0)
            {
                Logger.LogWarning("Invalid nImages {Count}: it must be positive; keeping {Current}", n, ImageCount);
                return;
            }

            ImageCount = n;
        }
    }

    public override PvValue? Process(PvValue value)
    {
        var started = Stopwatch.GetTimestamp();
        var info = Describe(value);
        if (info.ElementType is { } type)
        {
            switch (type)
            {
                case ScalarType.UByte: Average<byte>(value, info, type); break;
                case ScalarType.Byte: Average<sbyte>(value, info, type); break;
                case ScalarType.UShort: Average<ushort>(value, info, type); break;
                case ScalarType.Short: Average<short>(value, info, type); break;
                case ScalarType.UInt: Average<uint>(value, info, type); break;
                case ScalarType.Int: Average<int>(value, info, type); break;
                case ScalarType.ULong: Average<ulong>(value, info, type); break;
                case ScalarType.Long: Average<long>(value, info, type); break;
                case ScalarType.Float: Average<float>(value, info, type); break;
                case ScalarType.Double: Average<double>(value, info, type); break;
            }
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

    private void Average<T>(PvValue value, AdImageInfo info, ScalarType type)
        where T : unmanaged, System.Numerics.INumber<T>
    {
        if (info.Shape != _shape || type != _type)
        {
            _images.Clear();
            _shape = info.Shape;
            _type = type;
        }

        var pixels = GetImage<T>(value).Pixels;
        var image = _images.Count >= ImageCount ? _images.Last!.Value : new double[pixels.Length];
        if (_images.Count >= ImageCount)
        {
            _images.RemoveLast();
        }

        for (var i = 0; i < pixels.Length; i++)
        {
            image[i] = double.CreateTruncating(pixels[i]);
        }

        _images.AddFirst(image);
        while (_images.Count > ImageCount)
        {
            _images.RemoveLast();
        }

        // The mean goes into a new array (cast back to the pixel type, as NumPy's astype truncates); the input's pixels are only read.
        var mean = PvArray.Allocate(type, pixels.Length);
        var target = mean.GetWritableSpan<T>();
        var n = (double)_images.Count;
        for (var i = 0; i < target.Length; i++)
        {
            var sum = 0.0;
            foreach (var img in _images)
            {
                sum += img[i];
            }

            target[i] = T.CreateSaturating(sum / n);
        }

        ReplaceNtNdArrayImage2D(value, info.ImageId, mean, info.Shape);
    }

    private static int? ReadImageCount(JsonObject configuration) =>
        configuration.TryGetPropertyValue("nImages", out var node) && node is JsonValue v
        && double.TryParse(v.GetValueKind() == System.Text.Json.JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString(),
            NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? (int)d : null;
}
