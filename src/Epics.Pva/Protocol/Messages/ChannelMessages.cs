using Epics.Pva.Data;

namespace Epics.Pva.Protocol.Messages;

/// <summary>CREATE_CHANNEL (0x07) and DESTROY_CHANNEL (0x08) (pva-protocol §6.7, §6.8).</summary>
internal static class ChannelMessages
{
    /// <summary>pvAccessCPP refuses longer channel names.</summary>
    public const int MaxNameLength = 500;

    // C→S: u16 count (always 1), then u32 cid + String name
    public static void WriteCreateRequest(in PvaWriter w, uint cid, string name)
    {
        w.WriteUInt16(1);
        w.WriteUInt32(cid);
        w.WriteString(name);
    }

    public static List<(uint Cid, string Name)> ReadCreateRequest(ref PvaReader r)
    {
        var n = r.ReadUInt16();
        if (n * 5 > r.Remaining)
        {
            ProtocolErrors.Throw($"CREATE_CHANNEL count {n} exceeds the message");
        }

        var list = new List<(uint, string)>(n);
        for (var i = 0; i < n; i++)
        {
            var cid = r.ReadUInt32();
            var name = r.ReadString();
            if (name.Length == 0 || name.Length > MaxNameLength)
            {
                ProtocolErrors.Throw($"channel name of {name.Length} characters");
            }

            list.Add((cid, name));
        }

        return list;
    }

    // S→C: u32 cid, u32 sid (0xFFFFFFFF on failure), Status
    public static void WriteCreateResponse(in PvaWriter w, uint cid, uint sid, PvaStatus status)
    {
        w.WriteUInt32(cid);
        w.WriteUInt32(sid);
        w.WriteStatus(status);
    }

    public static (uint Cid, uint Sid, PvaStatus Status) ReadCreateResponse(ref PvaReader r) =>
        (r.ReadUInt32(), r.ReadUInt32(), r.ReadStatus());

    // Both directions: u32 sid, u32 cid
    public static void WriteDestroy(in PvaWriter w, uint sid, uint cid)
    {
        w.WriteUInt32(sid);
        w.WriteUInt32(cid);
    }
}
