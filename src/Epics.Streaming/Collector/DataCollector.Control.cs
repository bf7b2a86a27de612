using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Epics.Streaming.Processing.Internal;
using Microsoft.Extensions.Logging;

namespace Epics.Streaming.Collector;

// The statistics (status record, reports) and the control channel's commands.
public sealed partial class DataCollector
{
    private CollectorStatistics Gather(long objectId)
    {
        var user = _reporting.UserStatistics(Processor);
        var cache = _cache.Statistics;
        return new CollectorStatistics
        {
            CollectorId = Options.CollectorId,
            ObjectId = objectId,
            ObjectTime = (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).TotalSeconds,
            Collected = cache.Collected,
            Rejected = cache.Rejected,
            Missed = cache.Missed,
            Cached = cache.Cached,
            Restarts = cache.Restarts,
            Processor = _controller.GetStatistics(),
            Producers = _producers.Select(p => p.Statistics).ToList(),
            Metadata = _endpoints.MetadataStatistics(),
            User = user,
        };
    }

    private void Report() => _reporting.Report();

    private string Execute(string command, string args)
    {
        switch (command)
        {
            case "configure":
                return Configure(args);
            case "reset_stats":
                // The reference leaves the processing controller and the processor's statistics alone (§4 [QUIRK]); here
                // they start again too, so every number of the status record counts from the reset.
                _logger.LogInformation("Control channel: resetting collector statistics");
                _producers.ForEach(p => p.ResetStatistics());
                _cache.ResetStatistics();
                foreach (var m in _endpoints.Metadata)
                {
                    m.ResetStatistics();
                }

                Interlocked.Exchange(ref _receiverErrors, 0);
                _controller.ResetStats();
                return "Stats reset successful";
            case "get_stats":
                Report();
                return "Stats update successful";
            default:
                _stopRequested.TrySetResult();
                return "Stop flag set";
        }
    }

    private string Configure(string args)
    {
        var configuration = StageReporting<CollectorStatistics>.ParseConfiguration(args);
        try
        {
            if (configuration is JsonObject o)
            {
                if (ReadInt(o, "collectorCacheSize") is { } cacheSize)
                {
                    _cache.Capacity = DataCollectorOptions.EffectiveCacheSizeFor(cacheSize, _producers.Count);
                    _wake.Set();
                }

                if (ReadInt(o, "receiverQueueSize") is >= 0 and var queueSize)
                {
                    var bound = DataCollectorOptions.EffectiveReceiverQueueSizeFor(queueSize, _cache.Capacity);
                    _producers.ForEach(p => p.Queue?.MaxLength = bound);
                }

                if (ReadInt(o, "objectIdOffset") is >= 1 and var offset)
                {
                    _cache.ObjectIdOffset = offset;
                }

                _controller.ApplySystemKeys(o);
            }

            Processor.Configure(configuration);
            return "Configuration successful";
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return $"Configuration failed: {e.Message}";
        }
    }

    private static int? ReadInt(JsonObject o, string key)
    {
        if (!o.TryGetPropertyValue(key, out var node) || node is not JsonValue v)
        {
            return null;
        }

        var text = v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString();
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? (int)d : null;
    }
}
