using Epics.Streaming.Collector;
using Epics.Streaming.Processing;

namespace Pvstream.Streaming;

/// <summary>
/// The collector's printed report (framework.md §3.6), in the consumer report's format: <c>collectorId</c>,
/// <c>collectorStats</c>, <c>metadataStats</c>, <c>objectId</c>, <c>processorStats</c>, <c>producerStats</c> (one
/// <c>producer-&lt;pid&gt;</c> entry each) and <c>userStats</c>. <c>--report-stats</c> filters the processor, user and
/// metadata sections; the collector and producer sections are always shown.
/// </summary>
internal static class CollectorReport
{
    public static readonly string[] StatTypes = ConsumerReport.StatTypes;

    public static string Format(CollectorStatistics s, IReadOnlyCollection<string> reportStats)
    {
        var p = s.Processor;
        var t = p.ReceivingTime;
        var dict = ConsumerReport.Filter(new SortedDictionary<string, object>(StringComparer.Ordinal)
        {
            ["processorStats"] = ConsumerReport.Sorted(
                ("runtime", new UnitValue(p.Runtime, "s")), ("startTime", p.StartTime), ("endTime", p.EndTime), ("receivingTime", new UnitValue(t, "s")),
                ("firstObjectTime", p.FirstObjectTime), ("lastObjectTime", p.LastObjectTime), ("firstObjectId", p.FirstObjectId), ("lastObjectId", p.LastObjectId),
                ("nProcessed", p.Processed), ("processedRate", new UnitValue(p.ProcessedRate, "Hz")), ("nErrors", p.Errors), ("errorRate", new UnitValue(p.ErrorRate, "Hz")),
                ("nMissed", p.Missed), ("missedRate", new UnitValue(p.MissedRate, "Hz"))),
            ["userStats"] = new SortedDictionary<string, object>(s.User.ToDictionary(), StringComparer.Ordinal),
            ["metadataStats"] = new SortedDictionary<string, object>(
                s.Metadata.ToDictionary(m => $"metadata-{m.ProducerId}", m => (object)Source(m.Channel, m.Received, m.Overruns, m.Queue, t)), StringComparer.Ordinal),
        }, reportStats);
        dict["collectorId"] = s.CollectorId;
        dict["objectId"] = s.ObjectId;
        dict["collectorStats"] = ConsumerReport.Sorted(
            ("nCollected", s.Collected), ("collectedRate", ConsumerReport.Hz(s.Collected, t)), ("nRejected", s.Rejected), ("rejectedRate", ConsumerReport.Hz(s.Rejected, t)),
            ("nMissed", s.Missed), ("missedRate", ConsumerReport.Hz(s.Missed, t)), ("nCached", s.Cached));
        dict["producerStats"] = new SortedDictionary<string, object>(
            s.Producers.ToDictionary(m => $"producer-{m.ProducerId}", m => (object)Source(m.Channel, m.Received, m.Overruns, m.Queue, t)), StringComparer.Ordinal);
        return ConsumerReport.Pretty(dict, 0);
    }

    private static SortedDictionary<string, object> Source(string channel, long received, long overruns, QueueStatistics q, double t) => ConsumerReport.Sorted(
        ("channel", channel),
        ("receiverStats", ConsumerReport.Sorted(("nReceived", received), ("receivedRate", ConsumerReport.Hz(received, t)), ("nRejected", q.Rejected),
            ("rejectedRate", ConsumerReport.Hz(q.Rejected, t)), ("nOverruns", overruns), ("overrunRate", ConsumerReport.Hz(overruns, t)))),
        ("queueStats", ConsumerReport.Sorted(("nReceived", q.Received), ("nRejected", q.Rejected), ("nDelivered", q.Delivered), ("nQueued", q.Queued))));
}
