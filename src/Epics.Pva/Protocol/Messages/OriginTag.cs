using System.Net;

namespace Epics.Pva.Protocol.Messages;

/// <summary>
/// ORIGIN_TAG (0x16), a 16-byte address placed before a SEARCH that a server re-sends to the local multicast group
/// 224.0.0.128 (pva-protocol §5.8). It marks the search as already forwarded; we write the address the original
/// datagram was sent to, like pvxs. Sent with the client direction bit, as pvxs and pvAccessCPP do.
/// </summary>
internal sealed record OriginTag(IPAddress Address)
{
    public const int PayloadSize = WireAddress.Size;

    public static OriginTag Read(ref PvaReader reader) => new(WireAddress.Read(ref reader));

    public void Write(MessageBuilder builder, bool bigEndian)
    {
        var start = PvaHeader.Begin(builder);
        WireAddress.Write(new PvaWriter(builder, bigEndian), Address);
        PvaHeader.End(builder, start, fromServer: false, bigEndian, PvaCommand.OriginTag);
    }
}
