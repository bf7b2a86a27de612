namespace Epics.Pva.Client;

/// <summary>Counters of a <see cref="PvaSubscription"/>.</summary>
/// <param name="Received">Updates received from the server.</param>
/// <param name="Delivered">Updates taken by the application.</param>
/// <param name="Squashed">Updates merged into a queued one because the client queue was full.</param>
/// <param name="Overruns">Updates whose overrun set was not empty (the server or our queue lost intermediate values).</param>
/// <param name="Queued">Updates waiting now.</param>
/// <param name="MaxQueued">Most updates ever waiting at once.</param>
/// <param name="Connects">Times the subscription (re)started on a server.</param>
/// <param name="Empty">
/// Updates that changed no field and reported no overrun (pvDatabase sends them to pipelined monitors): acknowledged
/// to the server but not delivered, and not counted in <paramref name="Received"/>.
/// </param>
/// <param name="TypeChanges">
/// Times the subscription started again on another type (the server reported a type change, or the PV came back with
/// another type after a disconnect).
/// </param>
public readonly record struct MonitorStatistics(
    long Received, long Delivered, long Squashed, long Overruns, int Queued, int MaxQueued, int Connects, long Empty = 0, int TypeChanges = 0);
