namespace Epics.Streaming.Consumer;

/// <summary>
/// What the processor watchdog (<see cref="DataConsumerOptions.ProcessorTimeout"/>) saw: how many processor calls ran
/// longer than the limit, and the one running now if it does. Shown in the status record's <c>processorHangs</c>
/// structure (beyond §3.2).
/// </summary>
public sealed record ProcessorHangStatistics
{
    /// <summary>Calls that ran longer than the limit (the one in progress included).</summary>
    public long Hangs { get; init; }

    /// <summary>Whether the call in progress has run longer than the limit.</summary>
    public bool Hung { get; init; }

    /// <summary>The id of the object the hung call got (0 when not hung).</summary>
    public long HungObjectId { get; init; }

    /// <summary>How long the hung call has run, in seconds (0 when not hung).</summary>
    public double HungSeconds { get; init; }
}
