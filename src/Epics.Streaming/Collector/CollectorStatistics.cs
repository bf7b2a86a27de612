using Epics.Streaming.Consumer;
using Epics.Streaming.Processing;

namespace Epics.Streaming.Collector;

/// <summary>
/// A collector's statistics (framework.md §3.3, §9.5), as published on the status channel and printed in reports.
/// Rates are over the processor's receiving time.
/// </summary>
public sealed record CollectorStatistics
{
    /// <summary>The collector id.</summary>
    public int CollectorId { get; init; }

    /// <summary>Sequence number of this statistics update (1, 2, 3...).</summary>
    public long ObjectId { get; init; }

    /// <summary>When the statistics were taken (seconds since the Unix epoch).</summary>
    public double ObjectTime { get; init; }

    /// <summary>Objects handed out of the sorting cache.</summary>
    public long Collected { get; init; }

    /// <summary>Late objects refused by the cache (id not above the last handed out while it held others).</summary>
    public long Rejected { get; init; }

    /// <summary>Ids skipped between two runs.</summary>
    public long Missed { get; init; }

    /// <summary>Objects waiting in the cache now.</summary>
    public long Cached { get; init; }

    /// <summary>Times the producers were seen to start again (an old id at an empty cache); not in the status record.</summary>
    public long Restarts { get; init; }

    /// <summary>The processing statistics (after sorting).</summary>
    public ProcessorStatistics Processor { get; init; } = new();

    /// <summary>One entry per producer, in producer-list order.</summary>
    public IReadOnlyList<ProducerStatistics> Producers { get; init; } = [];

    /// <summary>One entry per metadata channel, in list order.</summary>
    public IReadOnlyList<MetadataStatistics> Metadata { get; init; } = [];

    /// <summary>The processor's own statistics (<c>GetStats</c>).</summary>
    public IReadOnlyDictionary<string, object> User { get; init; } = new Dictionary<string, object>();
}

/// <summary>One producer channel's statistics (framework.md §3.3 <c>producerStats_&lt;pid&gt;</c>).</summary>
/// <param name="ProducerId">The producer id.</param>
/// <param name="Channel">The monitored channel.</param>
/// <param name="Received">Monitor updates received.</param>
/// <param name="Overruns">Updates that arrived merged with others.</param>
/// <param name="Queue">The producer queue's counters (zeros without a queue).</param>
public sealed record ProducerStatistics(int ProducerId, string Channel, long Received, long Overruns, QueueStatistics Queue);
