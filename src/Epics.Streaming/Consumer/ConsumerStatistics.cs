using Epics.Streaming.Processing;

namespace Epics.Streaming.Consumer;

/// <summary>
/// A consumer's statistics (framework.md §3.2, §3.4), as published on the status channel and printed in reports.
/// Rates are over the processor's receiving time.
/// </summary>
public sealed record ConsumerStatistics
{
    /// <summary>The consumer id.</summary>
    public int ConsumerId { get; init; }

    /// <summary>The input channel.</summary>
    public string InputChannel { get; init; } = string.Empty;

    /// <summary>Sequence number of this statistics update (1, 2, 3...).</summary>
    public long ObjectId { get; init; }

    /// <summary>When the statistics were taken (seconds since the Unix epoch).</summary>
    public double ObjectTime { get; init; }

    /// <summary>Objects received from the input (initial updates included).</summary>
    public long Received { get; init; }

    /// <summary>Received objects that arrived merged with others (server or client overrun).</summary>
    public long Overruns { get; init; }

    /// <summary>Receiver errors (objects that could not be handled at all, e.g. without an object id).</summary>
    public long ReceiverErrors { get; init; }

    /// <summary>Objects published on the output channel.</summary>
    public long Published { get; init; }

    /// <summary>Output publishing failures.</summary>
    public long PublisherErrors { get; init; }

    /// <summary>The receiver queue's counters, or null without a queue.</summary>
    public QueueStatistics? Queue { get; init; }

    /// <summary>The processing statistics.</summary>
    public ProcessorStatistics Processor { get; init; } = new();

    /// <summary>One entry per metadata channel, in list order.</summary>
    public IReadOnlyList<MetadataStatistics> Metadata { get; init; } = [];

    /// <summary>The processor's own statistics (<c>GetStats</c>).</summary>
    public IReadOnlyDictionary<string, object> User { get; init; } = new Dictionary<string, object>();

    /// <summary>What the processor watchdog saw, or null when it is off (<see cref="DataConsumerOptions.ProcessorTimeout"/> zero).</summary>
    public ProcessorHangStatistics? ProcessorHangs { get; init; }

    /// <summary>What the last processor reload did, when reloading is on (null otherwise or before the first).</summary>
    public string? ProcessorReload { get; init; }

    /// <summary>
    /// The combined statistics of several consumers (framework.md §3.6): receiver, publisher and queue counters summed;
    /// processed, missed and error counts and rates summed; the earliest start, first object time and first object id,
    /// the latest end, last object time and last object id (consumers that processed nothing do not count for the
    /// object ids and times); receiving time and run time over those extremes.
    /// </summary>
    public static ConsumerStatistics Combine(IReadOnlyCollection<ConsumerStatistics> consumers)
    {
        ArgumentNullException.ThrowIfNull(consumers);
        var withObjects = consumers.Where(c => c.Processor.Processed > 0).Select(c => c.Processor).ToList();
        var queues = consumers.Where(c => c.Queue is not null).Select(c => c.Queue!.Value).ToList();
        var startTime = consumers.Count == 0 ? 0 : consumers.Min(c => c.Processor.StartTime);
        var endTime = consumers.Count == 0 ? 0 : consumers.Max(c => c.Processor.EndTime);
        var firstTime = withObjects.Count == 0 ? 0 : withObjects.Min(p => p.FirstObjectTime);
        var lastTime = withObjects.Count == 0 ? 0 : withObjects.Max(p => p.LastObjectTime);
        return new ConsumerStatistics
        {
            Received = consumers.Sum(c => c.Received),
            Overruns = consumers.Sum(c => c.Overruns),
            ReceiverErrors = consumers.Sum(c => c.ReceiverErrors),
            Published = consumers.Sum(c => c.Published),
            PublisherErrors = consumers.Sum(c => c.PublisherErrors),
            Queue = queues.Count == 0 ? null : new QueueStatistics(queues.Sum(q => q.Received), queues.Sum(q => q.Rejected),
                queues.Sum(q => q.Delivered), queues.Sum(q => q.Queued)),
            Processor = new ProcessorStatistics
            {
                StartTime = startTime,
                EndTime = endTime,
                Runtime = endTime > 0 ? endTime - startTime : consumers.Count == 0 ? 0 : consumers.Max(c => c.Processor.Runtime),
                FirstObjectTime = firstTime,
                LastObjectTime = lastTime,
                ReceivingTime = lastTime - firstTime,
                FirstObjectId = withObjects.Count == 0 ? 0 : withObjects.Min(p => p.FirstObjectId),
                LastObjectId = withObjects.Count == 0 ? 0 : withObjects.Max(p => p.LastObjectId),
                Processed = consumers.Sum(c => c.Processor.Processed),
                ProcessedRate = consumers.Sum(c => c.Processor.ProcessedRate),
                Missed = consumers.Sum(c => c.Processor.Missed),
                MissedRate = consumers.Sum(c => c.Processor.MissedRate),
                Errors = consumers.Sum(c => c.Processor.Errors),
                ErrorRate = consumers.Sum(c => c.Processor.ErrorRate),
            },
        };
    }
}
