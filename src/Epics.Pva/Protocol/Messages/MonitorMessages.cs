using Epics.Pva.Data;

namespace Epics.Pva.Protocol.Messages;

/// <summary>
/// A MONITOR request after INIT (pva-protocol §7.7): u32 sid, u32 ioid, sub-command: start (0x44), stop (0x04),
/// destroy (0x10), or a pipeline acknowledgement (0x80) followed by the u32 number of updates the client consumed.
/// </summary>
internal readonly record struct MonitorRequest(uint Sid, uint Ioid, byte Sub, uint Acknowledged) : IPvaMessage
{
    public PvaCommand Command => PvaCommand.Monitor;

    public bool IsAck => (Sub & SubCommand.GetPut) != 0;

    public static MonitorRequest Start(uint sid, uint ioid) => new(sid, ioid, SubCommand.MonitorStart, 0);

    public static MonitorRequest Stop(uint sid, uint ioid) => new(sid, ioid, SubCommand.MonitorStop, 0);

    public static MonitorRequest Ack(uint sid, uint ioid, uint count) => new(sid, ioid, SubCommand.MonitorAck, count);

    public void Write(in PvaWriter writer)
    {
        writer.WriteUInt32(Sid);
        writer.WriteUInt32(Ioid);
        writer.WriteByte(Sub);
        if (IsAck)
        {
            writer.WriteUInt32(Acknowledged);
        }
    }

    /// <summary>Reads the rest after <paramref name="head"/>; an acknowledgement without its count (pvAccessCPP may send one) counts 0.</summary>
    public static MonitorRequest ReadBody(ref PvaReader reader, OperationRequest head)
    {
        var ack = (head.Sub & SubCommand.GetPut) != 0 && reader.Remaining >= 4 ? reader.ReadUInt32() : 0;
        return new MonitorRequest(head.Sid, head.Ioid, head.Sub, ack);
    }

    public static MonitorRequest Read(ref PvaReader reader) => ReadBody(ref reader, OperationRequest.Read(ref reader, PvaCommand.Monitor));
}

/// <summary>
/// One MONITOR update, server → client (pva-protocol §7.7): u32 ioid, sub-command 0x00, BitSet + the changed fields,
/// then the overrun BitSet (fields that changed more than once since the previous update). No Status.
/// </summary>
internal readonly record struct MonitorUpdate(uint Ioid, PvValue Value, BitSet Changed, BitSet Overrun) : IPvaMessage
{
    public PvaCommand Command => PvaCommand.Monitor;

    public void Write(in PvaWriter writer)
    {
        writer.WriteUInt32(Ioid);
        writer.WriteByte(SubCommand.Execute);
        ValueCodec.WritePartial(writer, Value, Changed);
        writer.WriteBitSet(Overrun);
    }

    /// <summary>
    /// Applies the update in <paramref name="reader"/> onto <paramref name="current"/>, the value so far, and returns
    /// its ioid; a missing overrun BitSet (older servers) reads as empty.
    /// </summary>
    public static uint ReadInto(ref PvaReader reader, PvValue current, BitSet scratch, BitSet overrun)
    {
        var head = OperationReplyHead.Read(ref reader);
        ReadDataInto(ref reader, current, scratch, overrun);
        return head.Ioid;
    }

    /// <summary>The data part of an update (after ioid and sub-command), also what a <see cref="MonitorFinish"/> may carry.</summary>
    public static void ReadDataInto(ref PvaReader reader, PvValue current, BitSet scratch, BitSet overrun)
    {
        ValueCodec.ReadPartial(ref reader, current, scratch);
        if (!reader.IsEmpty)
        {
            reader.ReadBitSet(overrun);
        }
        else
        {
            overrun.Clear();
        }
    }
}

/// <summary>
/// The server's end of a subscription (pva-protocol §7.7): u32 ioid, sub-command 0x10, Status. pvAccessCPP may append
/// a last update, which a reader applies with <see cref="MonitorUpdate.ReadDataInto"/>; we never send one.
/// </summary>
internal readonly record struct MonitorFinish(uint Ioid, PvaStatus Status) : IPvaMessage
{
    public PvaCommand Command => PvaCommand.Monitor;

    public void Write(in PvaWriter writer)
    {
        writer.WriteUInt32(Ioid);
        writer.WriteByte(SubCommand.Destroy);
        writer.WriteStatus(Status);
    }

    /// <summary>Reads ioid, sub-command and Status, leaving the reader at the last update if there is one.</summary>
    public static MonitorFinish Read(ref PvaReader reader)
    {
        var head = OperationReplyHead.Read(ref reader);
        return new MonitorFinish(head.Ioid, reader.ReadStatus());
    }
}
