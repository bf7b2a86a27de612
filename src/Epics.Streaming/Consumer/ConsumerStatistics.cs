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

    /// <summary>The processor's own statistics (<c>GetStats</c>).</summary>
    public IReadOnlyDictionary<string, object> User { get; init; } = new Dictionary<string, object>();
}
