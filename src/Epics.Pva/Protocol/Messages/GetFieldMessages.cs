using Epics.Pva.Data;

namespace Epics.Pva.Protocol.Messages;

/// <summary>
/// GET_FIELD request (pva-protocol §7.9): u32 sid, u32 ioid, String sub-field (empty for the whole type). No
/// sub-command. Some clients omit the string; that reads as empty.
/// </summary>
internal readonly record struct GetFieldRequest(uint Sid, uint Ioid, string SubField) : IPvaMessage
{
    public PvaCommand Command => PvaCommand.GetField;

    public void Write(in PvaWriter writer)
    {
        writer.WriteUInt32(Sid);
        writer.WriteUInt32(Ioid);
        writer.WriteString(SubField);
    }

    public static GetFieldRequest Read(ref PvaReader reader) =>
        new(reader.ReadUInt32(), reader.ReadUInt32(), reader.IsEmpty ? string.Empty : reader.ReadString());
}

/// <summary>GET_FIELD reply (pva-protocol §7.9): u32 ioid, Status, then on success the Type. No sub-command.</summary>
internal readonly record struct GetFieldReply(uint Ioid, PvaStatus Status, PvType? Type) : IPvaMessage
{
    public PvaCommand Command => PvaCommand.GetField;

    public void Write(in PvaWriter writer)
    {
        writer.WriteUInt32(Ioid);
        writer.WriteStatus(Status);
        if (Status.IsSuccess)
        {
            TypeCodec.Write(writer, Type);
        }
    }

    public static GetFieldReply Read(ref PvaReader reader)
    {
        var ioid = reader.ReadUInt32();
        var status = reader.ReadStatus();
        return new GetFieldReply(ioid, status, status.IsSuccess ? TypeCodec.ReadRequired(ref reader) : null);
    }
}
