namespace Epics.Pva.Client;

/// <summary>Counters of a <see cref="PvaSubscription"/>.</summary>
/// <param name="Received">Updates received from the server.</param>
/// <param name="Delivered">Updates taken by the application.</param>
/// <param name="Squashed">Updates merged into a queued one because the client queue was full.</param>
/// <param name="Overruns">Updates whose overrun set was not empty (the server or our queue lost intermediate values).</param>
/// <param name="Queued">Updates waiting now.</param>
/// <param name="MaxQueued">Most updates ever waiting at once.</param>
/// <param name="Connects">Times the subscription (re)started on a server.</param>
public readonly record struct MonitorStatistics(long Received, long Delivered, long Squashed, long Overruns, int Queued, int MaxQueued, int Connects);
