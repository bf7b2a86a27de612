using Epics.Pva.Data;

namespace Epics.Pva.Protocol.Messages;

/// <summary>
/// RPC execute request (pva-protocol §7.8): u32 sid, u32 ioid, sub-command, the argument as Type + full value. A null
/// argument type reads as an empty structure.
/// </summary>
internal readonly record struct RpcRequest(uint Sid, uint Ioid, byte Sub, PvValue Argument) : IPvaMessage
{
    public PvaCommand Command => PvaCommand.Rpc;

    public void Write(in PvaWriter writer)
    {
        writer.WriteUInt32(Sid);
        writer.WriteUInt32(Ioid);
        writer.WriteByte(Sub);
        TypeCodec.Write(writer, Argument.Type);
        ValueCodec.WriteFull(writer, Argument);
    }

    public static RpcRequest ReadBody(ref PvaReader reader, OperationRequest head)
    {
        var type = TypeCodec.Read(ref reader);
        var argument = new PvValue(type ?? PvType.EmptyStructure);
        if (type is not null)
        {
            ValueCodec.ReadFull(ref reader, argument);
        }

        return new RpcRequest(head.Sid, head.Ioid, head.Sub, argument);
    }

    public static RpcRequest Read(ref PvaReader reader) => ReadBody(ref reader, OperationRequest.Read(ref reader, PvaCommand.Rpc));
}

/// <summary>
/// RPC reply (pva-protocol §7.8): u32 ioid, sub-command, Status, then on success the result as Type + full value (the
/// null type <c>FF</c> for no result; some servers send nothing at all, which reads as no result too).
/// </summary>
internal readonly record struct RpcReply(uint Ioid, byte Sub, PvaStatus Status, PvValue? Result) : IPvaMessage
{
    public PvaCommand Command => PvaCommand.Rpc;

    public void Write(in PvaWriter writer)
    {
        writer.WriteUInt32(Ioid);
        writer.WriteByte(Sub);
        writer.WriteStatus(Status);
        if (Status.IsSuccess)
        {
            TypeCodec.Write(writer, Result?.Type);
            if (Result is not null)
            {
                ValueCodec.WriteFull(writer, Result);
            }
        }
    }

    public static RpcReply Read(ref PvaReader reader)
    {
        var ioid = reader.ReadUInt32();
        var sub = reader.ReadByte();
        var status = reader.ReadStatus();
        if (!status.IsSuccess || reader.IsEmpty)
        {
            return new RpcReply(ioid, sub, status, null);
        }

        var type = TypeCodec.Read(ref reader);
        if (type is null)
        {
            return new RpcReply(ioid, sub, status, null);
        }

        var value = new PvValue(type);
        ValueCodec.ReadFull(ref reader, value);
        return new RpcReply(ioid, sub, status, value);
    }
}
