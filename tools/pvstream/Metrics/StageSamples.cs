using System.Globalization;
using Epics.Streaming;
using Epics.Streaming.Collector;
using Epics.Streaming.Consumer;
using Pvstream.Workflows;

namespace Pvstream.Metrics;

/// <summary>
/// Samples from the stages' statistics snapshots, with the same figures their status channels carry
/// (framework.md §3.2, §3.3), so a scrape and a <c>pvstream get</c> of the status channel agree.
/// </summary>
internal static class StageSamples
{
    public static StageSample Consumer(string stage, ConsumerStatistics s) => new(stage, Id(s.ConsumerId))
    {
        Received = s.Received,
        Processed = s.Processor.Processed,
        Published = s.Published,
        Missed = s.Processor.Missed,
        Rejected = s.Queue?.Rejected ?? 0,
        Overruns = s.Overruns,
        Errors = s.Processor.Errors,
        Queued = s.Queue?.Queued ?? 0,
        ProcessedRate = s.Processor.ProcessedRate,
        MissedRate = s.Processor.MissedRate,
    };

    public static StageSample Collector(string stage, CollectorStatistics s) => new(stage, Id(s.CollectorId))
    {
        Received = s.Collected,
        Processed = s.Processor.Processed,
        Missed = s.Missed + s.Processor.Missed,
        Rejected = s.Rejected,
        Overruns = s.Producers.Sum(p => p.Overruns),
        Errors = s.Processor.Errors,
        Queued = s.Cached,
        ProcessedRate = s.Processor.ProcessedRate,
        MissedRate = s.Processor.MissedRate,
    };

    public static StageSample AdSim(string stage, AdSimStatistics s) => new(stage, "1")
    {
        Processed = s.PublishedFrames,
        Published = s.PublishedFrames,
        ProcessedRate = s.FrameRate,
        BytesRate = s.DataRateMBps * 1e6,
    };

    /// <summary>One sample per mirrored channel, its id the mirror channel's name.</summary>
    public static IEnumerable<StageSample> Mirror(string stage, MirrorServer mirror)
    {
        foreach (var channel in mirror.Channels)
        {
            var counters = mirror.GetCounters(channel.MirrorName);
            yield return new StageSample(stage, channel.MirrorName) { Received = counters.NReceived, Overruns = counters.NOverruns };
        }
    }

    /// <summary>A workflow process, from the figures the runner last read from its status channel.</summary>
    public static StageSample Live(StageProcessSpec spec, LiveFigures f)
    {
        var source = spec.Stage.Type == StageType.AdSimServer;
        return new StageSample(spec.Stage.Name, Id(spec.Id ?? 1))
        {
            Up = f.Known,
            Received = source ? null : f.Received,
            Processed = f.Processed,
            Published = source ? f.Processed : null,
            Missed = source ? null : f.Missed,
            Rejected = source ? null : f.Rejected,
            Overruns = source ? null : f.Overruns,
            Errors = source ? null : f.Errors,
            Queued = source ? null : f.Queued,
            ProcessedRate = source ? null : f.Rate,
        };
    }

    private static string Id(int id) => id.ToString(CultureInfo.InvariantCulture);
}
