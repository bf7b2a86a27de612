namespace Pvstream.Metrics;

/// <summary>
/// One process's figures at a scrape, as its status channel shows them: objects received, processed, missed,
/// rejected, overrun and failed so far (counters), objects waiting in its queues, its rates. Null: the process has no
/// such figure (a simulated detector receives nothing), and the metric is left out rather than shown as 0.
/// </summary>
internal sealed record StageSample(string Stage, string Id)
{
    public bool Up { get; init; } = true;

    public long? Received { get; init; }

    public long? Processed { get; init; }

    public long? Published { get; init; }

    public long? Missed { get; init; }

    public long? Rejected { get; init; }

    public long? Overruns { get; init; }

    public long? Errors { get; init; }

    public long? Queued { get; init; }

    /// <summary>Objects per second (processed or, for a source, published).</summary>
    public double? ProcessedRate { get; init; }

    public double? MissedRate { get; init; }

    public double? BytesRate { get; init; }
}
