using Epics.Pva.Transport;

namespace Epics.Pva.Protocol.Messages;

/// <summary>
/// An application message that knows its command and writes its own payload. Messages are structs, so sending one
/// through <see cref="PvaMessageSending.SendMessage"/> allocates nothing.
/// </summary>
internal interface IPvaMessage
{
    PvaCommand Command { get; }

    void Write(in PvaWriter writer);
}

/// <summary>Queues an <see cref="IPvaMessage"/> on a connection.</summary>
internal static class PvaMessageSending
{
    /// <summary>Queues <paramref name="message"/>; false when the connection is closed.</summary>
    public static bool SendMessage<T>(this PvaConnection connection, in T message)
        where T : struct, IPvaMessage =>
        connection.Send(message.Command, message, static (in PvaWriter w, in T m) => m.Write(w));
}
