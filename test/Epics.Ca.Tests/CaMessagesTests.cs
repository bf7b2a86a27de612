using System.Text;
using Epics.Ca.Protocol;

namespace Epics.Ca.Tests;

/// <summary>Golden bytes: what we encode must equal what EPICS peers put on the wire, and we must parse theirs.</summary>
public sealed class CaMessagesTests
{
    private const string Monitor = "ai/camonitor.json";
    private const string CtrlGet = "ai/caget-DBR_CTRL_DOUBLE.json";

    [Fact]
    public void Client_messages_match_libca_bytes()
    {
        Assert.Equal(Conformance.Find(Monitor, CaCommand.Version, "c", 0), CaMessages.UdpVersion(1));
        Assert.Equal(Conformance.Find(Monitor, CaCommand.Search, "c"), CaMessages.Search("conf:ai", 1));
        Assert.Equal(Conformance.Find(Monitor, CaCommand.Version, "c", 1), CaMessages.Version());
        Assert.Equal(Conformance.Find(Monitor, CaCommand.ClientName, "c"), CaMessages.ClientName("root"));
        Assert.Equal(Conformance.Find(Monitor, CaCommand.HostName, "c"), CaMessages.HostName("vm"));
        Assert.Equal(Conformance.Find(Monitor, CaCommand.CreateChan, "c"), CaMessages.CreateChannel("conf:ai", 1));
        Assert.Equal(Conformance.Find(Monitor, CaCommand.EventAdd, "c"), CaMessages.EventAdd(20, 0, 6, 1, 5));
        Assert.Equal(Conformance.Find(CtrlGet, CaCommand.ReadNotify, "c"), CaMessages.ReadNotify(34, 1, 2, 1));
        Assert.Equal(Conformance.Find(CtrlGet, CaCommand.ClearChannel, "c"), CaMessages.ClearChannel(2, 1));
        Assert.Equal(Conformance.Find("mbbi/caget.json", CaCommand.CreateChan, "c"), CaMessages.CreateChannel("conf:mbbi", 1));
    }

    [Fact]
    public void Writes_match_caput_bytes()
    {
        // caput sends the text it was given as a short DBR_STRING; caput -a sends 40-byte elements.
        Assert.Equal(Conformance.Find("ai/caput-c.json", CaCommand.WriteNotify, "c"),
            CaMessages.Write(true, 0, 1, 8, 2, "5.75\0"u8));
        Assert.Equal(Conformance.Find("ai/caput.json", CaCommand.Write, "c"), CaMessages.Write(false, 0, 1, 7, 1, "4.25\0"u8));
        var data = DbrCodec.EncodePut(new[] { "0.5", "1.5", "2.5" }, out var type, out var count);
        Assert.Equal(Conformance.Find("wf/caput-a.json", CaCommand.Write, "c"), CaMessages.Write(false, (ushort)type, (uint)count, 12, 1, data));
    }

    [Fact]
    public void Server_messages_match_rsrv_bytes()
    {
        Assert.Equal(Conformance.Find(Monitor, CaCommand.Version, "s", 0), CaMessages.UdpVersion(1));
        Assert.Equal(Conformance.Find(Monitor, CaCommand.Search, "s"), CaMessages.SearchReply(15064, 1));
        Assert.Equal(Conformance.Find(Monitor, CaCommand.Version, "s", 1), CaMessages.Version());
        Assert.Equal(Conformance.Find(Monitor, CaCommand.AccessRights, "s"), CaMessages.AccessRights(1, 3));
        Assert.Equal(Conformance.Find(Monitor, CaCommand.CreateChan, "s"), CaMessages.CreateChannelReply(6, 1, 1, 6));
        Assert.Equal(Conformance.Find("wf/caget.json", CaCommand.CreateChan, "s"), CaMessages.CreateChannelReply(6, 10, 1, 9));
        Assert.Equal(Conformance.Find("ai/caput-c.json", CaCommand.WriteNotify, "s"), CaMessages.WriteNotifyReply(0, 1, 1, 2));
        Assert.Equal(Conformance.Find(CtrlGet, CaCommand.ClearChannel, "s"), CaMessages.ClearChannel(2, 1));
        Assert.Equal(Conformance.Find("server-startup.json", CaCommand.RsrvIsUp, "s", 2), CaMessages.Beacon(15064, 1));
        Assert.Equal(Conformance.Find("errors/caput-c-disabled-record.json", CaCommand.WriteNotify, "s"),
            CaMessages.WriteNotifyReply(0, 1, EcaStatus.PutFail, 2));
    }

    [Fact]
    public void Error_embeds_the_offending_header_like_rsrv()
    {
        var expected = Conformance.Find("errors/caput-disabled-record.json", CaCommand.Error, "s");
        var write = new CaHeader(CaCommand.Write, 8, 0, 1, 0x19, 1);
        Assert.Equal(expected, CaMessages.Error(1, EcaStatus.PutFail, write, "conf:disabled"));
    }

    [Fact]
    public void Messages_without_captures_have_the_documented_layout()
    {
        Assert.Equal(Convert.FromHexString("00170000000000000000000000000000"), CaMessages.Echo());
        Assert.Equal(Convert.FromHexString("000E0000000A000D0000000700000007"), CaMessages.NotFound(7));
        Assert.Equal(Convert.FromHexString("00020000001400000000000600000001"), CaMessages.EventCancel(20, 0, 6, 1));
        Assert.Equal(Convert.FromHexString("00010000001400000000000600000001"), CaMessages.EventCancelled(20, 0, 6, 1));
        Assert.Equal(Convert.FromHexString("001A0000000000000000000500000000"), CaMessages.CreateChannelFailed(5));
    }

    [Fact]
    public void Every_captured_message_parses_and_reencodes_identically()
    {
        var files = Directory.GetFiles(Conformance.CaFolder, "*.json", SearchOption.AllDirectories);
        Assert.NotEmpty(files);
        var total = 0;
        foreach (var file in files)
        {
            foreach (var m in Conformance.Load(Path.GetRelativePath(Conformance.CaFolder, file)))
            {
                if (m.Bytes.Length == 0)
                {
                    continue; // the repeater's zero-length datagram
                }

                Assert.True(CaMessageReader.TryParse(m.Bytes, 1 << 20, out var parsed, out var used), $"{file}: {Convert.ToHexString(m.Bytes)}");
                Assert.Equal(m.Bytes.Length, used);
                Assert.Equal(m.Command, parsed.Header.Command);
                var again = CaMessages.Encode(parsed.Header.Command, parsed.Header.DataType, parsed.Header.Count, parsed.Header.Parameter1,
                    parsed.Header.Parameter2, parsed.Payload.Span);
                Assert.Equal(m.Bytes, again);
                total++;
            }
        }

        Assert.True(total > 200, $"only {total} messages");
    }

    [Fact]
    public void Extended_header_is_used_for_large_payloads()
    {
        var payload = new byte[70000];
        var bytes = CaMessages.Encode(CaCommand.ReadNotify, 6, 70000 / 8, 1, 2, payload);
        Assert.Equal(24 + 70000, bytes.Length);
        Assert.Equal(Convert.FromHexString("000FFFFF000600000000000100000002000111700000222E"), bytes[..24]);
        Assert.True(CaMessageReader.TryParse(bytes, 1 << 20, out var m, out _));
        Assert.Equal(70000u, m.Header.PayloadSize);
        Assert.Equal(8750u, m.Header.Count);
    }

    [Fact]
    public void Garbage_is_rejected_with_a_reason()
    {
        var unknown = Convert.FromHexString("00FF0000000000000000000000000000");
        Assert.Contains("unknown CA command", Assert.Throws<CaProtocolException>(() => CaMessageReader.TryParse(unknown, 1024, out _, out _)).Message);
        var huge = CaMessages.Encode(CaCommand.Write, 6, 1, 1, 1, new byte[4096]);
        Assert.Contains("exceeds", Assert.Throws<CaProtocolException>(() => CaMessageReader.TryParse(huge, 1024, out _, out _)).Message);
        Assert.False(CaMessageReader.TryParse(Encoding.ASCII.GetBytes("short"), 1024, out _, out _));
    }
}
