using Epics.Ca.Protocol;

namespace Epics.Ca.Transport;

/// <summary>One EVENT_ADD on a server circuit: encodes every matching update for its type and count.</summary>
internal sealed class ServerSubscription(ServerCircuit circuit, Server.CaServerPv pv, uint sid, uint subscriptionId, DbrType type, uint requestedCount,
    CaEventMask mask)
{
    public uint Sid { get; } = sid;

    public uint SubscriptionId { get; } = subscriptionId;

    public DbrType Type { get; } = type;

    public uint RequestedCount { get; } = requestedCount;

    public Server.CaServerPv Pv { get; } = pv;

    /// <summary>Updates of this subscription in the circuit's send queue (guarded by the queue).</summary>
    public int PendingUpdates { get; set; }

    /// <summary>The newest of them, which a newer update replaces once the subscription has its share queued.</summary>
    public CircuitSendQueue.PendingUpdate? NewestPending { get; set; }

    /// <summary>Set when the client cancels it or the circuit closes: a pending update is then dropped.</summary>
    public bool Cancelled { get; set; }

    public void Notify(in DbrSource source, CaEventMask events)
    {
        if ((events & mask) != 0)
        {
            circuit.SendUpdate(this, source);
        }
    }
}
