namespace Epics.Streaming.Processing;

/// <summary>
/// The processing statistics of a consumer (framework.md §3.2 <c>processorStats</c>, §3.4). Times are seconds since the
/// Unix epoch; rates are counts over <see cref="ReceivingTime"/> (0 while it is 0).
/// </summary>
public sealed record ProcessorStatistics
{
    /// <summary>Seconds since start (or the last reset).</summary>
    public double Runtime { get; init; }

    /// <summary>When processing started or statistics were reset.</summary>
    public double StartTime { get; init; }

    /// <summary>When processing stopped (0 while running).</summary>
    public double EndTime { get; init; }

    /// <summary><see cref="LastObjectTime"/> − <see cref="FirstObjectTime"/>.</summary>
    public double ReceivingTime { get; init; }

    /// <summary>Arrival time of the first processed object.</summary>
    public double FirstObjectTime { get; init; }

    /// <summary>Arrival time of the latest processed object.</summary>
    public double LastObjectTime { get; init; }

    /// <summary>Id of the first processed object (0 if none).</summary>
    public long FirstObjectId { get; init; }

    /// <summary>Id of the latest object (0 if none).</summary>
    public long LastObjectId { get; init; }

    /// <summary>Objects the processor handled without an exception.</summary>
    public long Processed { get; init; }

    /// <summary>Processed per second.</summary>
    public double ProcessedRate { get; init; }

    /// <summary>Exceptions thrown by the processor's <c>Process</c>.</summary>
    public long Errors { get; init; }

    /// <summary>Errors per second.</summary>
    public double ErrorRate { get; init; }

    /// <summary>Objects missed, from object-id gaps (§5).</summary>
    public long Missed { get; init; }

    /// <summary>Missed per second.</summary>
    public double MissedRate { get; init; }
}
