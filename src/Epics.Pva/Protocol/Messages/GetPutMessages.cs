using Epics.Pva.Data;

namespace Epics.Pva.Protocol.Messages;

/// <summary>
/// The value of a PUT or PUT_GET execute request (pva-protocol §7.5, §7.6): u32 sid, u32 ioid, sub-command, then the
/// put structure as BitSet + the fields it marks (the fields the caller set: <see cref="PvValue.Changed"/>).
/// </summary>
internal readonly record struct PutRequest(PvaCommand Command, uint Sid, uint Ioid, byte Sub, PvValue Value) : IPvaMessage
{
    public void Write(in PvaWriter writer)
    {
        writer.WriteUInt32(Sid);
        writer.WriteUInt32(Ioid);
        writer.WriteByte(Sub);
        ValueCodec.WritePartial(writer, Value, Value.Changed);
    }

    /// <summary>Reads the value after <paramref name="head"/> into a new value of <paramref name="putType"/> (the INIT reply's).</summary>
    public static PutRequest ReadBody(ref PvaReader reader, OperationRequest head, PvType putType)
    {
        var value = new PvValue(putType);
        ValueCodec.ReadPartial(ref reader, value, new BitSet());
        return new PutRequest(head.Command, head.Sid, head.Ioid, head.Sub, value);
    }

    public static PutRequest Read(ref PvaReader reader, PvaCommand command, PvType putType) =>
        ReadBody(ref reader, OperationRequest.Read(ref reader, command), putType);
}

/// <summary>
/// A reply carrying data (pva-protocol §7.4-§7.6): GET, PUT's read-back and PUT_GET. u32 ioid, sub-command, Status,
/// then on success BitSet + the marked fields of the full type (fields outside the pvRequest are simply not marked).
/// </summary>
internal readonly record struct DataReply(PvaCommand Command, uint Ioid, byte Sub, PvaStatus Status, PvValue? Value, BitSet? Changed) : IPvaMessage
{
    public static DataReply Success(PvaCommand command, uint ioid, byte sub, PvValue value, BitSet changed) =>
        new(command, ioid, sub, PvaStatus.Ok, value, changed);

    public void Write(in PvaWriter writer)
    {
        writer.WriteUInt32(Ioid);
        writer.WriteByte(Sub);
        writer.WriteStatus(Status);
        if (Status.IsSuccess)
        {
            ValueCodec.WritePartial(writer, Value!, Changed!);
        }
    }

    /// <summary>Reads a reply into a new value of <paramref name="type"/>; its <see cref="PvValue.Changed"/> marks the fields sent.</summary>
    public static DataReply Read(ref PvaReader reader, PvaCommand command, PvType type)
    {
        var ioid = reader.ReadUInt32();
        var sub = reader.ReadByte();
        var status = reader.ReadStatus();
        if (!status.IsSuccess)
        {
            return new DataReply(command, ioid, sub, status, null, null);
        }

        var value = new PvValue(type);
        ValueCodec.ReadPartial(ref reader, value, new BitSet());
        return new DataReply(command, ioid, sub, status, value, value.Changed);
    }
}
