using System.Net;
using System.Text;

namespace Epics.Pva.Protocol.Messages;

/// <summary>Bits of the SEARCH flags byte (pva-protocol §5.2).</summary>
[Flags]
internal enum SearchFlags : byte
{
    None = 0,

    /// <summary>Reply even when no name is found (also the "discovery ping" with zero channels).</summary>
    MustReply = 0x01,

    /// <summary>phoebus v3: reply to the UDP source port instead of the response port (ignored when forwarded).</summary>
    ReplySourcePort = 0x02,

    /// <summary>The client sent this datagram unicast: the receiving server fans it out on 224.0.0.128 (§5.8).</summary>
    Unicast = 0x80,
}

/// <summary>One name of a SEARCH: the client's id for it, echoed in the response, and the PV name.</summary>
internal readonly record struct SearchChannel(uint Id, string Name);

/// <summary>
/// SEARCH (0x03), client → server over UDP or TCP (pva-protocol §5.2): sequence id, flags, 3 reserved bytes, response
/// address and port, protocol list, then a <b>u16</b> channel count and (u32 id, String name) pairs.
/// </summary>
internal sealed record SearchRequest(
    uint SequenceId,
    SearchFlags Flags,
    IPAddress ResponseAddress,
    ushort ResponsePort,
    IReadOnlyList<string> Protocols,
    IReadOnlyList<SearchChannel> Channels)
{
    /// <summary>Payload offset of the flags byte (patched when a search is forwarded).</summary>
    public const int FlagsOffset = 4;

    /// <summary>Payload offset of the 16-byte response address (patched when a search is forwarded).</summary>
    public const int ResponseAddressOffset = 8;

    /// <summary>Payload bytes before the channel list when the protocol list is just "tcp".</summary>
    public const int FixedTcpPayloadSize = 4 + 4 + WireAddress.Size + 2 + 5 + 2;

    public const string TcpProtocol = "tcp";

    public static readonly IReadOnlyList<string> TcpOnly = [TcpProtocol];

    public bool MustReply => (Flags & SearchFlags.MustReply) != 0;

    public bool IsUnicast => (Flags & SearchFlags.Unicast) != 0;

    /// <summary>Whether the client accepts "tcp" (pvAccessCPP also treats an empty list as "any").</summary>
    public bool AcceptsTcp => Protocols.Count == 0 || Protocols.Contains(TcpProtocol);

    /// <summary>Wire bytes one channel adds to a search payload (id + String).</summary>
    public static int ChannelWireSize(string name)
    {
        var n = Encoding.UTF8.GetByteCount(name);
        return 4 + (n < 254 ? 1 : 5) + n;
    }

    public static SearchRequest Read(ref PvaReader reader)
    {
        var sequenceId = reader.ReadUInt32();
        var flags = (SearchFlags)reader.ReadByte();
        reader.Skip(3);
        var address = WireAddress.Read(ref reader);
        var port = reader.ReadUInt16();
        var protocolCount = reader.ReadCount(1);
        var protocols = new string[protocolCount];
        for (var i = 0; i < protocolCount; i++)
        {
            protocols[i] = reader.ReadString();
        }

        var count = reader.ReadUInt16();
        if (count * 5L > reader.Remaining)
        {
            ProtocolErrors.Throw($"search lists {count} channels but only {reader.Remaining} bytes follow");
        }

        var channels = new SearchChannel[count];
        for (var i = 0; i < count; i++)
        {
            var id = reader.ReadUInt32();
            var name = reader.ReadString();
            if (name.Length == 0)
            {
                ProtocolErrors.Throw("search for an empty channel name");
            }

            channels[i] = new SearchChannel(id, name);
        }

        return new SearchRequest(sequenceId, flags, address, port, protocols, channels);
    }

    /// <summary>Writes the whole message (header included) as sent by a client.</summary>
    public void Write(MessageBuilder builder, bool bigEndian)
    {
        var start = PvaHeader.Begin(builder);
        var w = new PvaWriter(builder, bigEndian);
        w.WriteUInt32(SequenceId);
        w.WriteByte((byte)Flags);
        w.WriteByte(0);
        w.WriteByte(0);
        w.WriteByte(0);
        WireAddress.Write(w, ResponseAddress);
        w.WriteUInt16(ResponsePort);
        w.WriteSize(Protocols.Count);
        foreach (var p in Protocols)
        {
            w.WriteString(p);
        }

        if (Channels.Count > ushort.MaxValue)
        {
            throw new InvalidOperationException($"a SEARCH holds at most {ushort.MaxValue} channels");
        }

        w.WriteUInt16((ushort)Channels.Count);
        foreach (var c in Channels)
        {
            w.WriteUInt32(c.Id);
            w.WriteString(c.Name);
        }

        PvaHeader.End(builder, start, fromServer: false, bigEndian, PvaCommand.Search);
    }
}
