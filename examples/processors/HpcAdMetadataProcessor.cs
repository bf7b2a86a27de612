// Example image processor: attaches metadata values to images by time stamp (framework.md §8.1). For every image and
// every metadata channel (-mc, PVA or CA alike: any {double value; time_t timeStamp}), queued metadata older than the
// frame by more than the tolerance is discarded, one within the tolerance becomes an NTAttribute (name = channel,
// value = float), and a newer one waits for a later frame.
// Run it with:  pvstream consumer -ic pvapy:image -oc consumer:*:output -mc pva://x,ca://y
//                 -pf examples/processors/HpcAdMetadataProcessor.cs -pc HpcAdMetadataProcessor -pa '{"timestampTolerance": 0.001}'
// The usual namespaces (System.*, Epics.Pva.Data, Epics.Pva.Data.NT, Epics.Streaming.Processing,
// Microsoft.Extensions.Logging, System.Text.Json.Nodes) are imported for you.
using System.Diagnostics;
using System.Globalization;

public sealed class HpcAdMetadataProcessor : AdImageProcessor
{
    // The metadata object held back per channel because it is newer than the last frame.
    private readonly Dictionary<string, (double Value, double Time)> _held = [];
    private long _framesProcessed;
    private long _frameErrors;
    private long _metadataProcessed;
    private long _metadataDiscarded;
    private double _processingTime;

    public HpcAdMetadataProcessor(JsonObject configuration)
        : base(configuration)
    {
        TimestampTolerance = ReadDouble(configuration, "timestampTolerance") ?? 0.001;
        MetadataTimestampOffset = ReadDouble(configuration, "metadataTimestampOffset") ?? 0;
    }

    /// <summary>Seconds a metadata time stamp may differ from the frame's and still belong to it.</summary>
    public double TimestampTolerance { get; private set; }

    /// <summary>Seconds added to every metadata time stamp before comparing.</summary>
    public double MetadataTimestampOffset { get; private set; }

    public override void Configure(JsonNode? configuration)
    {
        if (configuration is JsonObject o)
        {
            TimestampTolerance = ReadDouble(o, "timestampTolerance") ?? TimestampTolerance;
            MetadataTimestampOffset = ReadDouble(o, "metadataTimestampOffset") ?? MetadataTimestampOffset;
        }
    }

    public override PvValue? Process(PvValue value)
    {
        var started = Stopwatch.GetTimestamp();
        var frame = new NTNDArray(value);
        if (frame.DimensionCount == 0)
        {
            return value;
        }

        var stamp = frame.TimeStamp;
        var frameTime = stamp.SecondsPastEpoch + (stamp.Nanoseconds / 1e9);
        var failed = false;
        foreach (var (channel, queue) in MetadataQueues)
        {
            failed |= !Associate(frame, channel, queue, frameTime);
        }

        if (failed)
        {
            _frameErrors++;
        }
        else
        {
            _framesProcessed++;
        }

        UpdateOutputChannel(value);
        _processingTime += Stopwatch.GetElapsedTime(started).TotalSeconds;
        return value;
    }

    public override void ResetStats()
    {
        _framesProcessed = _frameErrors = _metadataProcessed = _metadataDiscarded = 0;
        _processingTime = 0;
    }

    public override IReadOnlyDictionary<string, object> GetStats() => new Dictionary<string, object>
    {
        ["nFramesProcessed"] = _framesProcessed,
        ["nFrameErrors"] = _frameErrors,
        ["nMetadataProcessed"] = _metadataProcessed,
        ["nMetadataDiscarded"] = _metadataDiscarded,
        ["processingTime"] = new UnitValue(_processingTime, "s"),
        ["processedFrameRate"] = new UnitValue(_processingTime > 0 ? _framesProcessed / _processingTime : 0, "fps"),
        ["frameErrorRate"] = new UnitValue(_processingTime > 0 ? _frameErrors / _processingTime : 0, "fps"),
    };

    public override IReadOnlyDictionary<string, ScalarType> GetStatsPvaTypes() => new Dictionary<string, ScalarType>
    {
        ["nFramesProcessed"] = ScalarType.UInt,
        ["nFrameErrors"] = ScalarType.UInt,
        ["nMetadataProcessed"] = ScalarType.UInt,
        ["nMetadataDiscarded"] = ScalarType.UInt,
        ["processingTime"] = ScalarType.Double,
        ["processedFrameRate"] = ScalarType.Double,
        ["frameErrorRate"] = ScalarType.Double,
    };

    // True when the channel gave the frame a value.
    private bool Associate(NTNDArray frame, string channel, PvObjectQueue queue, double frameTime)
    {
        while (true)
        {
            if (!_held.Remove(channel, out var metadata))
            {
                if (!queue.TryTake(out var next))
                {
                    return false;
                }

                using (next)
                {
                    metadata = Read(next);
                }
            }

            var metadataTime = metadata.Time + MetadataTimestampOffset;
            if (Math.Abs(frameTime - metadataTime) <= TimestampTolerance)
            {
                frame.SetAttribute(frame.NewAttribute(channel, (float)metadata.Value));
                _metadataProcessed++;
                return true;
            }

            if (frameTime > metadataTime)
            {
                _metadataDiscarded++; // too old for this frame and so for every later one
                continue;
            }

            _held[channel] = metadata; // newer than the frame: kept for the next one
            return false;
        }
    }

    // PVA metadata records and CA DBR_TIME monitors both give {value, timeStamp{secondsPastEpoch, nanoseconds}}.
    private static (double Value, double Time) Read(PvValue metadata)
    {
        var stamp = PvTimeStamp.Read(metadata["timeStamp"]);
        return (metadata["value"].GetDouble(), stamp.SecondsPastEpoch + (stamp.Nanoseconds / 1e9));
    }

    private static double? ReadDouble(JsonObject configuration, string key) =>
        configuration.TryGetPropertyValue(key, out var node) && node is JsonValue v
        && double.TryParse(v.GetValueKind() == System.Text.Json.JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString(),
            NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;
}
