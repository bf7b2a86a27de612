using Epics.Pva.Data;

namespace Epics.Pva.Protocol.Messages;

/// <summary>
/// The INIT request of GET, PUT, PUT_GET, MONITOR, RPC and PROCESS (pva-protocol §7.1): u32 sid, u32 ioid, sub-command
/// with 0x08 set, the pvRequest as Type + full value, and for a pipelined MONITOR (0x80 also set) the u32 window.
/// A null pvRequest type (allowed by pvAccessCPP) reads as an empty structure.
/// </summary>
internal readonly record struct OperationInitRequest(PvaCommand Command, uint Sid, uint Ioid, byte Sub, PvValue PvRequest, uint Window) : IPvaMessage
{
    public static OperationInitRequest Create(PvaCommand command, uint sid, uint ioid, PvValue pvRequest, uint pipelineWindow = 0) =>
        new(command, sid, ioid, pipelineWindow > 0 ? (byte)(SubCommand.Init | SubCommand.GetPut) : SubCommand.Init, pvRequest, pipelineWindow);

    private bool HasWindow => Command == PvaCommand.Monitor && (Sub & SubCommand.GetPut) != 0;

    public void Write(in PvaWriter writer)
    {
        writer.WriteUInt32(Sid);
        writer.WriteUInt32(Ioid);
        writer.WriteByte(Sub);
        TypeCodec.Write(writer, PvRequest.Type);
        ValueCodec.WriteFull(writer, PvRequest);
        if (HasWindow)
        {
            writer.WriteUInt32(Window);
        }
    }

    /// <summary>Reads an INIT request whose header <paramref name="head"/> was already read from <paramref name="reader"/>.</summary>
    public static OperationInitRequest ReadBody(ref PvaReader reader, PvaCommand command, OperationRequest head)
    {
        var type = TypeCodec.Read(ref reader);
        var request = new PvValue(type ?? PvType.EmptyStructure);
        if (type is not null)
        {
            ValueCodec.ReadFull(ref reader, request);
        }

        var message = new OperationInitRequest(command, head.Sid, head.Ioid, head.Sub, request, 0);
        return message.HasWindow && reader.Remaining >= 4 ? message with { Window = reader.ReadUInt32() } : message;
    }

    public static OperationInitRequest Read(ref PvaReader reader, PvaCommand command) =>
        ReadBody(ref reader, command, OperationRequest.Read(ref reader, command));
}

/// <summary>
/// The reply to an INIT (pva-protocol §7.1): u32 ioid, sub-command, Status, then on success the introspection the
/// operation works with: the value's Type (GET, PUT, MONITOR), the put and the get Types (PUT_GET), nothing (RPC,
/// PROCESS).
/// </summary>
internal readonly record struct OperationInitReply(PvaCommand Command, uint Ioid, byte Sub, PvaStatus Status, PvType? Type, PvType? ResultType) : IPvaMessage
{
    public static OperationInitReply Success(PvaCommand command, uint ioid, byte sub, PvType? type) => new(command, ioid, sub, PvaStatus.Ok, type, type);

    public void Write(in PvaWriter writer)
    {
        writer.WriteUInt32(Ioid);
        writer.WriteByte(Sub);
        writer.WriteStatus(Status);
        if (!Status.IsSuccess)
        {
            return;
        }

        switch (Command)
        {
            case PvaCommand.Rpc or PvaCommand.Process:
                break;
            case PvaCommand.PutGet:
                TypeCodec.Write(writer, Type);
                TypeCodec.Write(writer, ResultType);
                break;
            default:
                TypeCodec.Write(writer, Type);
                break;
        }
    }

    public static OperationInitReply Read(ref PvaReader reader, PvaCommand command)
    {
        var ioid = reader.ReadUInt32();
        var sub = reader.ReadByte();
        var status = reader.ReadStatus();
        if (!status.IsSuccess)
        {
            return new OperationInitReply(command, ioid, sub, status, null, null);
        }

        switch (command)
        {
            case PvaCommand.Rpc or PvaCommand.Process:
                return new OperationInitReply(command, ioid, sub, status, null, null);
            case PvaCommand.PutGet:
            {
                var put = TypeCodec.ReadRequired(ref reader);
                return new OperationInitReply(command, ioid, sub, status, put, TypeCodec.ReadRequired(ref reader));
            }

            default:
            {
                var type = TypeCodec.ReadRequired(ref reader);
                return new OperationInitReply(command, ioid, sub, status, type, type);
            }
        }
    }
}

/// <summary>
/// A request on an initialised operation that carries nothing after its header (pva-protocol §7): u32 sid, u32 ioid,
/// sub-command. GET (0x40 or 0x00, with 0x10 to destroy after it), PUT's read-back (0x40), PROCESS, MONITOR start
/// (0x44) and stop (0x04); also the header every other request begins with.
/// </summary>
internal readonly record struct OperationRequest(PvaCommand Command, uint Sid, uint Ioid, byte Sub) : IPvaMessage
{
    public bool IsInit => (Sub & SubCommand.Init) != 0;

    public bool Destroys => (Sub & SubCommand.Destroy) != 0;

    public void Write(in PvaWriter writer)
    {
        writer.WriteUInt32(Sid);
        writer.WriteUInt32(Ioid);
        writer.WriteByte(Sub);
    }

    public static OperationRequest Read(ref PvaReader reader, PvaCommand command) => new(command, reader.ReadUInt32(), reader.ReadUInt32(), reader.ReadByte());

    /// <summary>The header of the request in <paramref name="reader"/>, leaving the reader where it was.</summary>
    public static OperationRequest Peek(PvaReader reader, PvaCommand command) => Read(ref reader, command);
}

/// <summary>A reply that is only a status (pva-protocol §7): u32 ioid, sub-command, Status. PUT, PROCESS, and every failure.</summary>
internal readonly record struct StatusReply(PvaCommand Command, uint Ioid, byte Sub, PvaStatus Status) : IPvaMessage
{
    public void Write(in PvaWriter writer)
    {
        writer.WriteUInt32(Ioid);
        writer.WriteByte(Sub);
        writer.WriteStatus(Status);
    }

    public static StatusReply Read(ref PvaReader reader, PvaCommand command) => new(command, reader.ReadUInt32(), reader.ReadByte(), reader.ReadStatus());
}

/// <summary>DESTROY_REQUEST (0x0F) and CANCEL_REQUEST (0x15), client → server (pva-protocol §7.2): u32 sid, u32 ioid.</summary>
internal readonly record struct DestroyRequestMessage(uint Sid, uint Ioid, bool Cancel = false) : IPvaMessage
{
    public PvaCommand Command => Cancel ? PvaCommand.CancelRequest : PvaCommand.DestroyRequest;

    public void Write(in PvaWriter writer)
    {
        writer.WriteUInt32(Sid);
        writer.WriteUInt32(Ioid);
    }

    public static DestroyRequestMessage Read(ref PvaReader reader, PvaCommand command) =>
        new(reader.ReadUInt32(), reader.ReadUInt32(), command == PvaCommand.CancelRequest);
}

/// <summary>MESSAGE (0x12), server → client (pva-protocol §7.3): u32 ioid, u8 type (info, warning, error, fatal), String.</summary>
internal readonly record struct ServerMessage(uint Ioid, byte MessageType, string Text) : IPvaMessage
{
    public PvaCommand Command => PvaCommand.Message;

    public void Write(in PvaWriter writer)
    {
        writer.WriteUInt32(Ioid);
        writer.WriteByte(MessageType);
        writer.WriteString(Text);
    }

    public static ServerMessage Read(ref PvaReader reader) => new(reader.ReadUInt32(), reader.ReadByte(), reader.ReadString());
}

/// <summary>How a reply to an operation (not GET_FIELD) begins: u32 ioid and the sub-command that says which kind it is.</summary>
internal readonly record struct OperationReplyHead(uint Ioid, byte Sub)
{
    public bool IsInit => (Sub & SubCommand.Init) != 0;

    public bool IsFinish => (Sub & SubCommand.Destroy) != 0;

    public static OperationReplyHead Read(ref PvaReader reader) => new(reader.ReadUInt32(), reader.ReadByte());

    /// <summary>The head of the reply in <paramref name="reader"/>, leaving the reader where it was.</summary>
    public static OperationReplyHead Peek(PvaReader reader) => Read(ref reader);
}
