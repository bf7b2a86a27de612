namespace Epics.Pva.Client;

/// <summary>Client-side monitor behaviour (the server-side queue and pipelining come from the pvRequest).</summary>
public sealed record MonitorOptions
{
    /// <summary>Defaults.</summary>
    public static MonitorOptions Default { get; } = new();

    /// <summary>
    /// Updates the client queues before squashing (merging the newest into the last queued one). Null: the pvRequest's
    /// <c>record[queueSize=N]</c>, else 4. With <c>pipeline=true</c> the server never sends more than this many unacked.
    /// </summary>
    public int? QueueSize { get; init; }
}
