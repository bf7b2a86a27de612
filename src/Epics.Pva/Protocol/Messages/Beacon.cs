using System.Net;

namespace Epics.Pva.Protocol.Messages;

/// <summary>
/// BEACON (0x00), server → client over UDP (pva-protocol §5.4): GUID, flags, sequence, change count, server address
/// and TCP port, protocol, then an optional server status (Type + value) that we never interpret: decoding stops after
/// the protocol, and we send the null type <c>FF</c> like pvxs.
/// </summary>
internal sealed record Beacon(
    PvaGuid Guid,
    byte Flags,
    byte Sequence,
    ushort ChangeCount,
    IPAddress ServerAddress,
    ushort ServerPort,
    string Protocol)
{
    public static Beacon Read(ref PvaReader reader)
    {
        var guid = PvaGuid.Read(ref reader);
        var flags = reader.ReadByte();
        var sequence = reader.ReadByte();
        var changeCount = reader.ReadUInt16();
        var address = WireAddress.Read(ref reader);
        var port = reader.ReadUInt16();
        var protocol = reader.ReadString();

        // pvAccessCPP may append a status structure, pvxs FF: either way it is of no use to us.
        reader.Skip(reader.Remaining);
        return new Beacon(guid, flags, sequence, changeCount, address, port, protocol);
    }

    /// <summary>Writes the whole message (header included) as sent by a server, with a null status.</summary>
    public void Write(MessageBuilder builder, bool bigEndian)
    {
        var start = PvaHeader.Begin(builder);
        var w = new PvaWriter(builder, bigEndian);
        Guid.Write(w);
        w.WriteByte(Flags);
        w.WriteByte(Sequence);
        w.WriteUInt16(ChangeCount);
        WireAddress.Write(w, ServerAddress);
        w.WriteUInt16(ServerPort);
        w.WriteString(Protocol);
        w.WriteByte(0xFF);
        PvaHeader.End(builder, start, fromServer: true, bigEndian, PvaCommand.Beacon);
    }
}
