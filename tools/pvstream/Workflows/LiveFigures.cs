using Epics.Pva.Client;
using Epics.Pva.Data;

namespace Pvstream.Workflows;

/// <summary>
/// What the dashboard shows for one process, read from its status channel (framework.md §3.2 for consumers, §3.3 for
/// collectors) or, for a simulated detector, from its image channel's <c>uniqueId</c> (frames published so far).
/// </summary>
internal sealed record LiveFigures(long Received, long Processed, double Rate, long Missed, long Rejected, long Overruns, long Errors, long Queued, bool Known)
{
    public static LiveFigures None { get; } = new(0, 0, 0, 0, 0, 0, 0, 0, Known: false);

    /// <summary>Reads one process's figures; <see cref="None"/> when its channel does not answer in time.</summary>
    public static async Task<LiveFigures> ReadAsync(PvaClient client, StageProcessSpec spec, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            if (spec.Stage.Type == StageType.AdSimServer && spec.ReadyChannel is { } image)
            {
                using var value = await client.GetAsync(image, "field(uniqueId)", timeout.Token).ConfigureAwait(false);
                var published = Number(value, "uniqueId");
                return new LiveFigures(0, published, 0, 0, 0, 0, 0, 0, Known: true);
            }

            if (spec.StatusChannel is not { } status)
            {
                return None;
            }

            using var s = await client.GetAsync(status, cancellationToken: timeout.Token).ConfigureAwait(false);
            return spec.Stage.Type == StageType.Collector
                ? new LiveFigures(
                    Received: Number(s, "collectorStats.nCollected"),
                    Processed: Number(s, "processorStats.nProcessed"),
                    Rate: Real(s, "processorStats.processedRate"),
                    Missed: Number(s, "collectorStats.nMissed") + Number(s, "processorStats.nMissed"),
                    Rejected: Number(s, "collectorStats.nRejected"),
                    Overruns: 0,
                    Errors: Number(s, "processorStats.nErrors"),
                    Queued: Number(s, "collectorStats.nCached"),
                    Known: true)
                : new LiveFigures(
                    Received: Number(s, "receiverStats.nReceived"),
                    Processed: Number(s, "processorStats.nProcessed"),
                    Rate: Real(s, "processorStats.processedRate"),
                    Missed: Number(s, "processorStats.nMissed"),
                    Rejected: Number(s, "receiverStats.nRejected"),
                    Overruns: Number(s, "receiverStats.nOverruns"),
                    Errors: Number(s, "processorStats.nErrors"),
                    Queued: Number(s, "queueStats.nQueued"),
                    Known: true);
        }
        catch (Exception e) when ((e is OperationCanceledException or Epics.Pva.PvaException) && !cancellationToken.IsCancellationRequested)
        {
            return None;
        }
    }

    private static long Number(PvValue value, string path) => value.TryGetField(path, out var f) ? (long)f.GetDouble() : 0;

    private static double Real(PvValue value, string path) => value.TryGetField(path, out var f) ? f.GetDouble() : 0;
}
