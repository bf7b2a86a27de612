using Epics.Pva.Data;

namespace Epics.Pva.Protocol.Messages;

/// <summary>
/// CREATE_CHANNEL (0x07) request, client → server (pva-protocol §6.7): u16 count, then (u32 cid, String name) pairs.
/// We send one channel per message, as every implementation does, and accept several.
/// </summary>
internal readonly record struct CreateChannelRequest(uint Cid, string Name) : IPvaMessage
{
    /// <summary>pvAccessCPP refuses longer channel names.</summary>
    public const int MaxNameLength = 500;

    public PvaCommand Command => PvaCommand.CreateChannel;

    public void Write(in PvaWriter writer)
    {
        writer.WriteUInt16(1);
        writer.WriteUInt32(Cid);
        writer.WriteString(Name);
    }

    public static List<CreateChannelRequest> ReadAll(ref PvaReader reader)
    {
        var n = reader.ReadUInt16();
        if (n * 5 > reader.Remaining)
        {
            ProtocolErrors.Throw($"CREATE_CHANNEL count {n} exceeds the message");
        }

        var list = new List<CreateChannelRequest>(n);
        for (var i = 0; i < n; i++)
        {
            var cid = reader.ReadUInt32();
            var name = reader.ReadString();
            if (name.Length == 0 || name.Length > MaxNameLength)
            {
                ProtocolErrors.Throw($"channel name of {name.Length} characters");
            }

            list.Add(new CreateChannelRequest(cid, name));
        }

        return list;
    }
}

/// <summary>CREATE_CHANNEL (0x07) response, server → client: u32 cid, u32 sid (0xFFFFFFFF on failure), Status.</summary>
internal readonly record struct CreateChannelResponse(uint Cid, uint Sid, PvaStatus Status) : IPvaMessage
{
    public const uint NoSid = 0xFFFFFFFF;

    public PvaCommand Command => PvaCommand.CreateChannel;

    public void Write(in PvaWriter writer)
    {
        writer.WriteUInt32(Cid);
        writer.WriteUInt32(Sid);
        writer.WriteStatus(Status);
    }

    public static CreateChannelResponse Read(ref PvaReader reader) => new(reader.ReadUInt32(), reader.ReadUInt32(), reader.ReadStatus());
}

/// <summary>DESTROY_CHANNEL (0x08), both directions (pva-protocol §6.8): u32 sid, u32 cid.</summary>
internal readonly record struct DestroyChannel(uint Sid, uint Cid) : IPvaMessage
{
    public PvaCommand Command => PvaCommand.DestroyChannel;

    public void Write(in PvaWriter writer)
    {
        writer.WriteUInt32(Sid);
        writer.WriteUInt32(Cid);
    }

    public static DestroyChannel Read(ref PvaReader reader) => new(reader.ReadUInt32(), reader.ReadUInt32());
}
