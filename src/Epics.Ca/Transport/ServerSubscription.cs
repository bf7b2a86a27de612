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

    /// <summary>The update waiting to be sent (guarded by the circuit's send queue); a newer one replaces it.</summary>
    public byte[]? PendingUpdate { get; set; }

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
