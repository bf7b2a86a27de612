using Epics.Pva.Protocol;

namespace Epics.Pva.Client.Internal;

/// <summary>One in-flight operation on a connection, found by its request id (ioid) when replies arrive.</summary>
internal abstract class ClientOperation
{
    public uint Ioid { get; set; }

    /// <summary>Handles a reply for this ioid (the reader is at its start); runs on the connection's receive loop and must not block.</summary>
    public abstract void OnReply(PvaCommand command, ref PvaReader reader);

    /// <summary>The connection went away before the operation finished.</summary>
    public abstract void OnDisconnected(string reason);
}
