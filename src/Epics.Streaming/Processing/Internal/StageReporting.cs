using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Epics.Streaming.Processing.Internal;

/// <summary>
/// The status cadence a consumer and a collector share (framework.md §3): statistics gathered with a running update
/// number, published to the status record, handed to the host every report period and at least every
/// <c>maxStatusUpdatePeriod</c> published anyway; and the run loop that ends on the run time, the <c>stop</c> command
/// or cancellation.
/// </summary>
internal sealed class StageReporting<TStatistics>(Func<long, TStatistics> gather, Action<TStatistics> publish, Action<TStatistics> report, ILogger logger)
{
    private long _updates;
    private long _lastUpdate = Stopwatch.GetTimestamp();

    /// <summary>The statistics now, under the last update's number (does not publish).</summary>
    public TStatistics Snapshot() => gather(Interlocked.Read(ref _updates));

    /// <summary>Gathers under the next update number and publishes to the status record.</summary>
    public TStatistics GatherAndPublish()
    {
        var stats = gather(Interlocked.Increment(ref _updates));
        Volatile.Write(ref _lastUpdate, Stopwatch.GetTimestamp());
        try
        {
            publish(stats);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogError(e, "Status update failed: {Message}", e.Message);
        }

        return stats;
    }

    /// <summary>Publishes and hands the statistics to the host (a report, or the <c>get_stats</c> command).</summary>
    public void Report() => report(GatherAndPublish());

    /// <summary>
    /// Runs until <paramref name="cancellationToken"/> (Ctrl-C), <paramref name="runtime"/> seconds (0: none) or
    /// <paramref name="stopRequested"/>, reporting every <paramref name="reportPeriod"/> seconds (0: never) and
    /// publishing the status at least every <paramref name="maxStatusUpdatePeriod"/>.
    /// </summary>
    public async Task RunAsync(double runtime, double reportPeriod, TimeSpan maxStatusUpdatePeriod, Task stopRequested, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var lastReport = started;
        Volatile.Write(ref _lastUpdate, started);
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        try
        {
            while (!stopRequested.IsCompleted && await tick.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                if (runtime > 0 && Stopwatch.GetElapsedTime(started).TotalSeconds >= runtime)
                {
                    break;
                }

                if (reportPeriod > 0 && Stopwatch.GetElapsedTime(lastReport).TotalSeconds >= reportPeriod)
                {
                    lastReport = Stopwatch.GetTimestamp();
                    Report();
                }
                else if (Stopwatch.GetElapsedTime(Volatile.Read(ref _lastUpdate)) >= maxStatusUpdatePeriod)
                {
                    GatherAndPublish();
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl-C or SIGTERM: a normal shutdown.
        }
    }

    /// <summary>The processor's own statistics, or none (logged) when its <c>GetStats</c> throws.</summary>
    public IReadOnlyDictionary<string, object> UserStatistics(UserDataProcessor processor)
    {
        try
        {
            return processor.GetStats();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogError(e, "Processor statistics failed: {Message}", e.Message);
            return new Dictionary<string, object>();
        }
    }

    /// <summary>The <c>configure</c> command's argument: JSON when it parses, else the raw text (the processor gets it as is).</summary>
    public static JsonNode? ParseConfiguration(string args)
    {
        try
        {
            return JsonNode.Parse(args);
        }
        catch (JsonException)
        {
            return JsonValue.Create(args);
        }
    }
}
