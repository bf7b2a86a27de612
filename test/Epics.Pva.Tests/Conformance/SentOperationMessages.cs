using Epics.Pva.Data;
using Epics.Pva.Protocol;
using Epics.Pva.Protocol.Messages;

namespace Epics.Pva.Tests.Conformance;

/// <summary>
/// A captured channel-operation message decoded with our message types and rebuilt as the message we would send with
/// the same content, so that <see cref="SentMessageTests"/> can compare our bytes with the peer's.
/// </summary>
internal static class SentOperationMessages
{
    /// <summary>A message that writes itself (the <see cref="IPvaMessage"/> boxed for the comparison).</summary>
    public sealed record Rebuilt(Action<PvaWriter> Write);

    private static Rebuilt Of<T>(T message)
        where T : struct, IPvaMessage => new(w => message.Write(w));

    /// <summary>Null where we would not send it that way (type cache, a null pvRequest type, data we never send).</summary>
    public static Rebuilt? Rebuild(ReplayedMessage m)
    {
        var r = new PvaReader(m.Payload, m.Header.IsBigEndian);
        try
        {
            return m.FromServer ? Reply(ref r, m) : Request(ref r, m);
        }
        catch (PvaProtocolException e) when (e.Message.Contains("no cache", StringComparison.Ordinal))
        {
            return null; // the peer defined or reused a cached type; we always send types inline
        }
    }

    private static Rebuilt? Request(ref PvaReader r, ReplayedMessage m)
    {
        var command = m.Command;
        switch (command)
        {
            case PvaCommand.DestroyChannel:
                return Of(DestroyChannel.Read(ref r));
            case PvaCommand.DestroyRequest or PvaCommand.CancelRequest:
                return Of(DestroyRequestMessage.Read(ref r, command));
            case PvaCommand.GetField:
                return m.Payload.Length == 8 ? null : Of(GetFieldRequest.Read(ref r)); // an omitted sub-field we write as ""
            case PvaCommand.Get or PvaCommand.Put or PvaCommand.PutGet or PvaCommand.Monitor or PvaCommand.Rpc or PvaCommand.Process:
                break;
            default:
                return null;
        }

        var head = OperationRequest.Peek(r, command);
        if (head.IsInit)
        {
            // A null pvRequest type (FF) reads as an empty structure, which we would write as a structure.
            return m.Payload[9] == 0xFF ? null : Of(OperationInitRequest.Read(ref r, command));
        }

        var op = m.Operation!;
        switch (command)
        {
            case PvaCommand.Put when (head.Sub & SubCommand.Get) == 0:
            case PvaCommand.PutGet when (head.Sub & (SubCommand.Get | SubCommand.GetPut)) == 0:
            {
                var bits = WireBits(m.Payload, 9, m.Header.IsBigEndian);
                var put = PutRequest.Read(ref r, command, op.Type!);
                put.Value.Changed.Clear();
                put.Value.Changed.Or(bits); // the bits the peer sent, not their expansion to subfields
                return Of(put);
            }

            case PvaCommand.Monitor:
                return Of(MonitorRequest.Read(ref r));
            case PvaCommand.Rpc:
                return m.Payload[9] == 0xFF ? null : Of(RpcRequest.Read(ref r));
            default:
                return Of(OperationRequest.Read(ref r, command));
        }
    }

    private static Rebuilt? Reply(ref PvaReader r, ReplayedMessage m)
    {
        var command = m.Command;
        switch (command)
        {
            case PvaCommand.DestroyChannel:
                return Of(DestroyChannel.Read(ref r));
            case PvaCommand.Message:
                return Of(ServerMessage.Read(ref r));
            case PvaCommand.GetField:
                return Of(GetFieldReply.Read(ref r));
            case PvaCommand.Get or PvaCommand.Put or PvaCommand.PutGet or PvaCommand.Monitor or PvaCommand.Rpc or PvaCommand.Process:
                break;
            default:
                return null;
        }

        var head = OperationReplyHead.Peek(r);
        var op = m.Operation!;
        if (head.IsInit)
        {
            return Of(OperationInitReply.Read(ref r, command));
        }

        if (command == PvaCommand.Monitor)
        {
            if (head.IsFinish)
            {
                var finish = MonitorFinish.Read(ref r);
                return r.IsEmpty ? Of(finish) : null; // a last update with the end: pvAccessCPP's, never ours
            }

            var value = new PvValue(op.Type!);
            var bits = WireBits(m.Payload, 5, m.Header.IsBigEndian);
            var overrun = new BitSet();
            MonitorUpdate.ReadInto(ref r, value, new BitSet(), overrun);
            return Of(new MonitorUpdate(head.Ioid, value, bits, overrun));
        }

        var status = StatusReply.Read(ref r, command);
        if (!status.Status.IsSuccess || r.IsEmpty)
        {
            // Failures, PUT and PROCESS; an RPC result that is not there at all we would write as the null type.
            return command == PvaCommand.Rpc && status.Status.IsSuccess ? null : Of(status);
        }

        var again = new PvaReader(m.Payload, m.Header.IsBigEndian);
        if (command == PvaCommand.Rpc)
        {
            return Of(RpcReply.Read(ref again));
        }

        var type = command == PvaCommand.PutGet && (head.Sub & SubCommand.GetPut) == 0 ? op.GetType2! : op.Type!;
        var data = DataReply.Read(ref again, command, type);
        var statusEnd = 5 + StatusSize(m.Payload.AsSpan(5), m.Header.IsBigEndian);
        return Of(data with { Changed = WireBits(m.Payload, statusEnd, m.Header.IsBigEndian) });
    }

    private static BitSet WireBits(byte[] payload, int offset, bool bigEndian)
    {
        var r = new PvaReader(payload.AsSpan(offset), bigEndian);
        return r.ReadBitSet();
    }

    private static int StatusSize(ReadOnlySpan<byte> bytes, bool bigEndian)
    {
        var r = new PvaReader(bytes, bigEndian);
        r.ReadStatus();
        return r.Position;
    }
}
