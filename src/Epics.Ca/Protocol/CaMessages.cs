using System.Text;

namespace Epics.Ca.Protocol;

/// <summary>Encoders for every CA message pvstream sends, each returning the exact bytes (header + padded payload).</summary>
internal static class CaMessages
{
    /// <summary>Rounds up to the 8-byte payload alignment (CA_MESSAGE_ALIGN).</summary>
    public static int Pad8(int length) => (length + 7) & ~7;

    /// <summary>A message whose payload is copied and zero-padded to a multiple of 8.</summary>
    public static byte[] Encode(ushort command, ushort dataType, uint count, uint p1, uint p2, ReadOnlySpan<byte> payload = default)
    {
        var padded = Pad8(payload.Length);
        var header = new CaHeader(command, (uint)padded, dataType, count, p1, p2);
        var bytes = new byte[header.EncodedSize + padded];
        header.Write(bytes);
        payload.CopyTo(bytes.AsSpan(header.EncodedSize));
        return bytes;
    }

    /// <summary>A message whose payload is a NUL-terminated string, padded.</summary>
    public static byte[] EncodeString(ushort command, ushort dataType, uint count, uint p1, uint p2, string text)
    {
        var raw = new byte[Encoding.UTF8.GetByteCount(text) + 1];
        Encoding.UTF8.GetBytes(text, raw);
        return Encode(command, dataType, count, p1, p2, raw);
    }

    // ---- both directions ----------------------------------------------------------------------------------------

    /// <summary>VERSION on TCP: type = priority, count = minor.</summary>
    public static byte[] Version(ushort priority = 0) => Encode(CaCommand.Version, priority, CaCommand.MinorVersion, 0, 0);

    /// <summary>VERSION leading a UDP datagram: type 1 = "sequence number valid", p1 = sequence.</summary>
    public static byte[] UdpVersion(uint sequence) => Encode(CaCommand.Version, 1, CaCommand.MinorVersion, sequence, 0);

    public static byte[] Echo() => Encode(CaCommand.Echo, 0, 0, 0, 0);

    // ---- client → server ----------------------------------------------------------------------------------------

    /// <summary>SEARCH: p1 = p2 = the client's search id (its cid).</summary>
    public static byte[] Search(string name, uint cid, bool replyIfUnknown = false) =>
        EncodeString(CaCommand.Search, replyIfUnknown ? CaCommand.SearchDoReply : CaCommand.SearchDontReply,
            CaCommand.MinorVersion, cid, cid, name);

    public static byte[] ClientName(string user) => EncodeString(CaCommand.ClientName, 0, 0, 0, 0, user);

    public static byte[] HostName(string host) => EncodeString(CaCommand.HostName, 0, 0, 0, 0, host);

    /// <summary>CREATE_CHAN: p1 = cid, p2 = our minor version.</summary>
    public static byte[] CreateChannel(string name, uint cid) =>
        EncodeString(CaCommand.CreateChan, 0, 0, cid, CaCommand.MinorVersion, name);

    public static byte[] ReadNotify(ushort dbrType, uint count, uint sid, uint ioid) =>
        Encode(CaCommand.ReadNotify, dbrType, count, sid, ioid);

    public static byte[] Write(bool notify, ushort dbrType, uint count, uint sid, uint ioid, ReadOnlySpan<byte> data) =>
        Encode(notify ? CaCommand.WriteNotify : CaCommand.Write, dbrType, count, sid, ioid, data);

    /// <summary>EVENT_ADD: three unused floats, then the event mask and a pad.</summary>
    public static byte[] EventAdd(ushort dbrType, uint count, uint sid, uint subscriptionId, ushort mask)
    {
        Span<byte> payload = stackalloc byte[16];
        payload.Clear();
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(payload[12..], mask);
        return Encode(CaCommand.EventAdd, dbrType, count, sid, subscriptionId, payload);
    }

    public static byte[] EventCancel(ushort dbrType, uint count, uint sid, uint subscriptionId) =>
        Encode(CaCommand.EventCancel, dbrType, count, sid, subscriptionId);

    public static byte[] ClearChannel(uint sid, uint cid) => Encode(CaCommand.ClearChannel, 0, 0, sid, cid);

    /// <summary>REPEATER_REGISTER to the local caRepeater: p2 = the client's IPv4 address (libca puts 127.0.0.1).</summary>
    public static byte[] RepeaterRegister(uint clientAddress) => Encode(CaCommand.RepeaterRegister, 0, 0, 0, clientAddress);

    // ---- repeater → client ---------------------------------------------------------------------------------------

    /// <summary>REPEATER_CONFIRM: p2 = the registered client's address as the repeater saw it.</summary>
    public static byte[] RepeaterConfirm(uint clientAddress) => Encode(CaCommand.RepeaterConfirm, 0, 0, 0, clientAddress);

    // ---- server → client ----------------------------------------------------------------------------------------

    /// <summary>Search reply: type = TCP port, p1 = address (0xFFFFFFFF = use the source), payload = server minor.</summary>
    public static byte[] SearchReply(ushort tcpPort, uint cid, uint address = CaCommand.AddressFromSource)
    {
        Span<byte> payload = [0, (byte)CaCommand.MinorVersion];
        return Encode(CaCommand.Search, tcpPort, 0, address, cid, payload);
    }

    public static byte[] NotFound(uint cid) => Encode(CaCommand.NotFound, CaCommand.SearchDoReply, CaCommand.MinorVersion, cid, cid);

    public static byte[] AccessRights(uint cid, uint rights) => Encode(CaCommand.AccessRights, 0, 0, cid, rights);

    /// <summary>CREATE_CHAN reply: type = native DBR type, count = native element count.</summary>
    public static byte[] CreateChannelReply(ushort nativeType, uint nativeCount, uint cid, uint sid) =>
        Encode(CaCommand.CreateChan, nativeType, nativeCount, cid, sid);

    public static byte[] CreateChannelFailed(uint cid) => Encode(CaCommand.CreateChanFail, 0, 0, cid, 0);

    /// <summary>READ_NOTIFY reply: p1 = ECA status, p2 = ioid, payload = DBR data (already padded or not).</summary>
    public static byte[] ReadNotifyReply(ushort dbrType, uint count, uint status, uint ioid, ReadOnlySpan<byte> data) =>
        Encode(CaCommand.ReadNotify, dbrType, count, status, ioid, data);

    public static byte[] WriteNotifyReply(ushort dbrType, uint count, uint status, uint ioid) =>
        Encode(CaCommand.WriteNotify, dbrType, count, status, ioid);

    /// <summary>A monitor update: p1 = ECA status, p2 = subscription id.</summary>
    public static byte[] EventUpdate(ushort dbrType, uint count, uint status, uint subscriptionId, ReadOnlySpan<byte> data) =>
        Encode(CaCommand.EventAdd, dbrType, count, status, subscriptionId, data);

    /// <summary>The EVENT_CANCEL confirmation: a zero-size EVENT_ADD.</summary>
    public static byte[] EventCancelled(ushort dbrType, uint count, uint sid, uint subscriptionId) =>
        Encode(CaCommand.EventAdd, dbrType, count, sid, subscriptionId);

    /// <summary>ERROR: p1 = cid, p2 = ECA status; the payload embeds the offending header and a message.</summary>
    public static byte[] Error(uint cid, uint status, CaHeader offending, string message)
    {
        var text = Encoding.UTF8.GetBytes(message);
        var payload = new byte[offending.EncodedSize + text.Length + 1];
        offending.Write(payload);
        text.CopyTo(payload, offending.EncodedSize);
        return Encode(CaCommand.Error, 0, 0, cid, status, payload);
    }

    /// <summary>Beacon: type = minor, count = TCP port, p1 = sequence, p2 = address (0 = use the source).</summary>
    public static byte[] Beacon(ushort tcpPort, uint sequence, uint address = 0) =>
        Encode(CaCommand.RsrvIsUp, CaCommand.MinorVersion, tcpPort, sequence, address);
}
