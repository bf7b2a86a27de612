using System.Text.Json.Nodes;
using Epics.Streaming.Processing.Internal;
using Microsoft.Extensions.Logging;

namespace Epics.Streaming.Consumer;

// The statistics (status record, reports) and the control channel's commands.
public sealed partial class DataConsumer
{
    private ConsumerStatistics Gather(long objectId)
    {
        var user = _reporting.UserStatistics(Processor);
        return new ConsumerStatistics
        {
            ConsumerId = Options.ConsumerId,
            InputChannel = Options.InputChannel,
            ObjectId = objectId,
            ObjectTime = (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).TotalSeconds,
            Received = Interlocked.Read(ref _received),
            Overruns = Interlocked.Read(ref _overruns),
            ReceiverErrors = Interlocked.Read(ref _receiverErrors),
            Published = _publisher?.Published ?? 0,
            PublisherErrors = _publisher?.Errors ?? 0,
            Queue = _queue?.Statistics,
            Metadata = _endpoints.MetadataStatistics(),
            Processor = _controller.GetStatistics(),
            User = user,
            ProcessorReload = Options.ProcessorReload ? ProcessorReloadStatus ?? string.Empty : null,
            ProcessorHangs = _watchdog?.Statistics,
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
                _logger.LogInformation("Control channel: resetting consumer statistics");
                Interlocked.Exchange(ref _received, 0);
                Interlocked.Exchange(ref _overruns, 0);
                Interlocked.Exchange(ref _receiverErrors, 0);
                _queue?.ResetStatistics();
                foreach (var m in _endpoints.Metadata)
                {
                    m.ResetStatistics();
                }

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
        var configuration = StageReporting<ConsumerStatistics>.ParseConfiguration(args);
        try
        {
            if (configuration is JsonObject o)
            {
                if (_queue is not null && o.TryGetPropertyValue("receiverQueueSize", out var size) && size is JsonValue sv
                    && int.TryParse(sv.ToJsonString().Trim('"'), System.Globalization.CultureInfo.InvariantCulture, out var max))
                {
                    _queue.MaxLength = max;
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
}
