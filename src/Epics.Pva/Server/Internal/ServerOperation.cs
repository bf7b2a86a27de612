using Epics.Pva.Data;
using Epics.Pva.Protocol;

namespace Epics.Pva.Server.Internal;

/// <summary>A channel a client created on this connection.</summary>
internal sealed record ServerChannel(uint Sid, uint Cid, string Name, ServerPv Pv)
{
    /// <summary>Request ids of its operations, live or held (guarded by the connection's lock), so a destroy finds them at once.</summary>
    public HashSet<uint> Ioids { get; } = [];
}

/// <summary>An operation a client initialised (its ioid is live until destroyed).</summary>
internal sealed class ServerOperation(PvaCommand command, uint ioid, ServerChannel channel, PvType? type, BitSet mask, PvValue request)
{
    public PvaCommand Command { get; } = command;

    public uint Ioid { get; } = ioid;

    public ServerChannel Channel { get; } = channel;

    public PvType? Type { get; } = type;

    public BitSet Mask { get; } = mask;

    public PvValue Request { get; } = request;

    public ServerMonitor? Monitor { get; set; }
}
