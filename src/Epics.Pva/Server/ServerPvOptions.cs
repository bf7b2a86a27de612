namespace Epics.Pva.Server;

/// <summary>
/// How a <see cref="ServerPv"/> treats clients while it has no type (not yet opened, or closed): requests are held
/// until <see cref="ServerPv.Open"/>, within these bounds.
/// </summary>
public sealed record ServerPvOptions
{
    /// <summary>The defaults.</summary>
    public static ServerPvOptions Default { get; } = new();

    /// <summary>
    /// Most requests (INIT of get, put, put-get and monitor, and GET_FIELD) held at once per PV while it has no type;
    /// one more fails at once with an error status. Default 256.
    /// </summary>
    public int MaxHeldRequests { get; init; } = 256;

    /// <summary>
    /// Longest a get, put, put-get or GET_FIELD waits for <see cref="ServerPv.Open"/> before it fails with an error
    /// status (default 30 s; <see cref="Timeout.InfiniteTimeSpan"/> waits for ever).
    /// </summary>
    public TimeSpan HeldRequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Longest a monitor waits for <see cref="ServerPv.Open"/> (default: for ever, as a monitor is a standing request:
    /// a client subscribing to an output whose type comes with its first frame just waits).
    /// </summary>
    public TimeSpan HeldMonitorTimeout { get; init; } = Timeout.InfiniteTimeSpan;

    /// <summary>
    /// After <see cref="ServerPv.Close"/>, how long subscriptions wait for the PV to open again before they finish
    /// (default 2 s). An <see cref="ServerPv.Open"/> within it with the same type continues them; with another type
    /// it finishes them with <see cref="ServerPv.TypeChangedStatus"/>. <see cref="TimeSpan.Zero"/> finishes them at once;
    /// <see cref="Timeout.InfiniteTimeSpan"/> keeps them waiting for ever.
    /// </summary>
    public TimeSpan ReopenTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Clock and timers (tests substitute a fake); default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
