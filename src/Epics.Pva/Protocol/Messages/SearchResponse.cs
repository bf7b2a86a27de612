using System.Net;

namespace Epics.Pva.Protocol.Messages;

/// <summary>
/// SEARCH_RESPONSE (0x04), server → client (pva-protocol §5.3): GUID, the request's sequence id, server address and TCP
/// port, protocol, found flag, then a <b>u16</b> count of u32 search ids. When <see cref="Found"/> is false the ids
/// mean nothing (pvAccessCPP lists the id anyway, pvxs none).
/// </summary>
internal sealed record SearchResponse(
    PvaGuid Guid,
    uint SequenceId,
    IPAddress ServerAddress,
    ushort ServerPort,
    string Protocol,
    bool Found,
    IReadOnlyList<uint> SearchIds)
{
    public static SearchResponse Read(ref PvaReader reader)
    {
        var guid = PvaGuid.Read(ref reader);
        var sequenceId = reader.ReadUInt32();
        var address = WireAddress.Read(ref reader);
        var port = reader.ReadUInt16();
        var protocol = reader.ReadString();
        var found = reader.ReadBoolean();
        var count = reader.ReadUInt16();
        if (count * 4L > reader.Remaining)
        {
            ProtocolErrors.Throw($"search response lists {count} ids but only {reader.Remaining} bytes follow");
        }

        var ids = new uint[count];
        for (var i = 0; i < count; i++)
        {
            ids[i] = reader.ReadUInt32();
        }

        return new SearchResponse(guid, sequenceId, address, port, protocol, found, ids);
    }

    /// <summary>Writes the whole message (header included) as sent by a server.</summary>
    public void Write(MessageBuilder builder, bool bigEndian)
    {
        var start = PvaHeader.Begin(builder);
        var w = new PvaWriter(builder, bigEndian);
        Guid.Write(w);
        w.WriteUInt32(SequenceId);
        WireAddress.Write(w, ServerAddress);
        w.WriteUInt16(ServerPort);
        w.WriteString(Protocol);
        w.WriteBoolean(Found);
        if (SearchIds.Count > ushort.MaxValue)
        {
            throw new InvalidOperationException($"a SEARCH_RESPONSE holds at most {ushort.MaxValue} ids");
        }

        w.WriteUInt16((ushort)SearchIds.Count);
        foreach (var id in SearchIds)
        {
            w.WriteUInt32(id);
        }

        PvaHeader.End(builder, start, fromServer: true, bigEndian, PvaCommand.SearchResponse);
    }
}
