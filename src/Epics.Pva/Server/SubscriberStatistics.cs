namespace Epics.Pva.Server;

/// <summary>The state and counters of one client's subscription to a <see cref="ServerPv"/>.</summary>
/// <param name="Peer">The client's address.</param>
/// <param name="ChannelName">The name the client subscribed under.</param>
/// <param name="Queued">Updates waiting in the server's queue for this client now.</param>
/// <param name="QueueSize">Capacity of that queue (the pvRequest's <c>queueSize</c>, at least 2).</param>
/// <param name="Squashed">Updates merged into a queued one because the queue was full.</param>
/// <param name="Sent">Updates sent to the client.</param>
/// <param name="Running">Whether the client has started (and not stopped) the subscription.</param>
/// <param name="Pipelined">Whether the client acknowledges updates (<c>pipeline=true</c>).</param>
/// <param name="Window">With pipelining: updates the client lets the server send before its next acknowledgement.</param>
public readonly record struct SubscriberStatistics(
    string Peer, string ChannelName, int Queued, int QueueSize, long Squashed, long Sent, bool Running, bool Pipelined, int Window);
