using System.Net;
using Epics.Pva.Protocol;
using Epics.Pva.Protocol.Messages;
using Epics.Pva.Transport.Discovery;
using static Epics.Pva.Tests.Wire;

namespace Epics.Pva.Tests.Discovery;

/// <summary>Golden bytes: the spec's hex dumps (§5.5) and datagrams from the conformance captures.</summary>
public class DiscoveryMessageTests
{
    // pvxs client search, BE, spec §5.5.
    private const string PvxsSearch =
        "CA 02 80 03 00 00 00 29 | 66 69 6E 64 | 00 00 00 00 | 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 | CE 4D" +
        " | 01 03 74 63 70 | 00 01 | 12 34 56 78 03 63 6E 74";

    // pvxs server response, BE, spec §5.5.
    private const string PvxsResponse =
        "CA 02 C0 04 00 00 00 2D | AD AB 55 10 44 D2 A8 C0 81 C9 22 CD | 66 69 6E 64" +
        " | 00 00 00 00 00 00 00 00 00 00 FF FF 00 00 00 00 | 13 D3 | 03 74 63 70 | 01 | 00 01 12 34 56 78";

    // pvAccessCPP search (pvget), LE, errors/no-server/pvget-nonexistent.json frame 1.
    private const string PvAccessSearch =
        "ca02000334000000010000008000000000000000000000000000ffff000000009ab001037463700100413020100e6e6f6e6578697374656e743a7076";

    // pvAccessCPP response, LE, pva-softIocPVA/ai/pvget.json frame 3.
    private const string PvAccessResponse =
        "ca0240042d000000d2ed046b00000000853d372e0100000000000000000000000000ffff7f000001e33a0374637001010041302010";

    // Beacons: pva-softIocPVX/server-startup.json (pvxs, BE) and pva-softIocPVA/server-startup.json (pvAccessCPP, LE).
    private const string PvxsBeacon =
        "ca02c00000000027e21153435d3f7a6f5dd4ee360000000200000000000000000000ffff000000003ae303746370ff";

    private const string PvAccessBeacon =
        "ca02400027000000d2ed046b00000000853d372e0000000000000000000000000000ffff7f000001e33a03746370ff";

    private static T ReadOne<T>(byte[] datagram, PvaCommand command, Func<PvaHeader, byte[], T> decode)
    {
        var reader = new DatagramReader(datagram);
        Assert.True(reader.TryReadNext(out var header, out var payload));
        Assert.Equal((byte)command, header.Command);
        var result = decode(header, payload.ToArray());
        Assert.False(reader.TryReadNext(out _, out _));
        return result;
    }

    private static SearchRequest DecodeSearch(byte[] datagram) => ReadOne(datagram, PvaCommand.Search, (h, p) =>
    {
        var r = new PvaReader(p, h.IsBigEndian);
        var s = SearchRequest.Read(ref r);
        Assert.True(r.IsEmpty);
        return s;
    });

    private static SearchResponse DecodeResponse(byte[] datagram) => ReadOne(datagram, PvaCommand.SearchResponse, (h, p) =>
    {
        var r = new PvaReader(p, h.IsBigEndian);
        var s = SearchResponse.Read(ref r);
        Assert.True(r.IsEmpty);
        return s;
    });

    private static Beacon DecodeBeacon(byte[] datagram) => ReadOne(datagram, PvaCommand.Beacon, (h, p) =>
    {
        var r = new PvaReader(p, h.IsBigEndian);
        return Beacon.Read(ref r);
    });

    private static string Encode(Action<MessageBuilder> write)
    {
        using var b = new MessageBuilder();
        write(b);
        return ToHex(b.ToArray());
    }

    [Fact]
    public void Pvxs_search_decodes_and_reencodes_big_endian()
    {
        var bytes = Hex(PvxsSearch);
        var s = DecodeSearch(bytes);
        Assert.Equal(0x66696E64u, s.SequenceId);
        Assert.Equal(SearchFlags.None, s.Flags);
        Assert.True(WireAddress.IsUnspecified(s.ResponseAddress));
        Assert.Equal(52813, s.ResponsePort);
        Assert.Equal(["tcp"], s.Protocols);
        Assert.Equal([new SearchChannel(0x12345678, "cnt")], s.Channels);

        // We write unspecified as ::ffff:0.0.0.0 (pvAccessCPP style); otherwise identical.
        var expected = PvxsSearch.Replace("00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00", "00 00 00 00 00 00 00 00 00 00 FF FF 00 00 00 00",
            StringComparison.Ordinal);
        Assert.Equal(ToHex(Hex(expected)), Encode(b => s.Write(b, bigEndian: true)));
    }

    [Fact]
    public void PvAccess_search_decodes_little_endian_and_reencodes_exactly()
    {
        var bytes = Convert.FromHexString(PvAccessSearch);
        var s = DecodeSearch(bytes);
        Assert.Equal(1u, s.SequenceId);
        Assert.True(s.IsUnicast);
        Assert.False(s.MustReply);
        Assert.Equal(IPAddress.Any, s.ResponseAddress);
        Assert.Equal(0xB09A, s.ResponsePort);
        Assert.Equal([new SearchChannel(0x10203041, "nonexistent:pv")], s.Channels);
        Assert.Equal(ToHex(bytes), Encode(b => s.Write(b, bigEndian: false)));
    }

    [Fact]
    public void Search_round_trips_in_both_byte_orders_with_many_channels()
    {
        var channels = Enumerable.Range(0, 300).Select(i => new SearchChannel((uint)i * 7, $"pv:{i}")).ToArray();
        var s = new SearchRequest(42, SearchFlags.MustReply | SearchFlags.Unicast, IPAddress.Parse("10.1.2.3"), 5000, SearchRequest.TcpOnly, channels);
        foreach (var be in new[] { false, true })
        {
            using var b = new MessageBuilder();
            s.Write(b, be);
            var back = DecodeSearch(b.ToArray());
            Assert.Equal(s.SequenceId, back.SequenceId);
            Assert.Equal(s.Flags, back.Flags);
            Assert.Equal(s.ResponseAddress, back.ResponseAddress);
            Assert.Equal(s.ResponsePort, back.ResponsePort);
            Assert.Equal(channels, back.Channels);
        }
    }

    [Fact]
    public void Pvxs_search_response_decodes_and_reencodes_exactly()
    {
        var bytes = Hex(PvxsResponse);
        var r = DecodeResponse(bytes);
        Assert.Equal("ADAB551044D2A8C081C922CD", r.Guid.ToString());
        Assert.Equal(0x66696E64u, r.SequenceId);
        Assert.Equal(IPAddress.Any, r.ServerAddress);
        Assert.Equal(5075, r.ServerPort);
        Assert.Equal("tcp", r.Protocol);
        Assert.True(r.Found);
        Assert.Equal([0x12345678u], r.SearchIds);
        Assert.Equal(ToHex(bytes), Encode(b => r.Write(b, bigEndian: true)));
    }

    [Fact]
    public void PvAccess_search_response_decodes_little_endian_and_reencodes_exactly()
    {
        var bytes = Convert.FromHexString(PvAccessResponse);
        var r = DecodeResponse(bytes);
        Assert.Equal(1u, r.SequenceId);
        Assert.Equal(IPAddress.Loopback, r.ServerAddress);
        Assert.Equal(15075, r.ServerPort);
        Assert.True(r.Found);
        Assert.Equal([0x10203041u], r.SearchIds);
        Assert.Equal(ToHex(bytes), Encode(b => r.Write(b, bigEndian: false)));
    }

    [Fact]
    public void Beacons_of_both_stacks_decode_and_reencode_exactly()
    {
        var pvxs = Convert.FromHexString(PvxsBeacon);
        var b1 = DecodeBeacon(pvxs);
        Assert.Equal("E21153435D3F7A6F5DD4EE36", b1.Guid.ToString());
        Assert.Equal(0, b1.Flags);
        Assert.Equal(0, b1.Sequence);
        Assert.Equal(2, b1.ChangeCount);
        Assert.Equal(IPAddress.Any, b1.ServerAddress);
        Assert.Equal(15075, b1.ServerPort);
        Assert.Equal("tcp", b1.Protocol);
        Assert.Equal(ToHex(pvxs), Encode(b => b1.Write(b, bigEndian: true)));

        var pva = Convert.FromHexString(PvAccessBeacon);
        var b2 = DecodeBeacon(pva);
        Assert.Equal(0, b2.ChangeCount);
        Assert.Equal(IPAddress.Loopback, b2.ServerAddress);
        Assert.Equal(15075, b2.ServerPort);
        Assert.Equal(ToHex(pva), Encode(b => b2.Write(b, bigEndian: false)));
    }

    [Fact]
    public void Beacon_ignores_a_trailing_status_structure()
    {
        // A pvAccessCPP-style status blob after the protocol: a structure type and value we do not interpret.
        var hex = PvAccessBeacon[..^2] + "80000104" + "0474657374" + "22" + "01000000";
        var size = (Convert.FromHexString(hex).Length - 8).ToString("x2", System.Globalization.CultureInfo.InvariantCulture);
        hex = hex[..8] + size + hex[10..];
        var b = DecodeBeacon(Convert.FromHexString(hex));
        Assert.Equal(15075, b.ServerPort);
    }

    [Fact]
    public void Origin_tag_round_trips_in_both_byte_orders()
    {
        Assert.Equal("CA02801600000010" + "00000000000000000000FFFF7F000001",
            Encode(b => new OriginTag(IPAddress.Loopback).Write(b, bigEndian: true)));
        Assert.Equal("CA02001610000000" + "00000000000000000000FFFF7F000001",
            Encode(b => new OriginTag(IPAddress.Loopback).Write(b, bigEndian: false)));
    }

    [Theory]
    // pvxs forwarding pvxget's BE search (errors/no-server/pvxget-nonexistent.json frame 2).
    [InlineData("ca0280160000001000000000000000000000ffff7f000001",
        "ca0280030000003466696e640000000000000000000000000000ffff7f0000018d3301037463700001123456780e6e6f6e6578697374656e743a7076", true)]
    // pvxs forwarding pvget's LE search behind a BE tag (pva-softIocPVX/ai/pvget.json frame 2): mixed byte orders.
    [InlineData("ca0280160000001000000000000000000000ffff7f000001",
        "ca0200032d000000010000000000000000000000000000000000ffff7f0000017b89010374637001004130201007636f6e663a6169", false)]
    // pvAccessCPP forwarding, LE tag (pva-softIocPVA/ai/pvget.json frame 2).
    [InlineData("ca0200161000000000000000000000000000ffff7f000001",
        "ca0200032d000000010000000000000000000000000000000000ffff7f000001bae8010374637001004130201007636f6e663a6169", false)]
    public void Forwarded_datagram_walks_tag_then_search_each_in_its_own_byte_order(string tagHex, string searchHex, bool searchBigEndian)
    {
        var datagram = Convert.FromHexString(tagHex + searchHex);
        var reader = new DatagramReader(datagram);
        Assert.True(reader.TryReadNext(out var h1, out var p1));
        Assert.Equal((byte)PvaCommand.OriginTag, h1.Command);
        var r1 = new PvaReader(p1, h1.IsBigEndian);
        Assert.Equal(IPAddress.Loopback, OriginTag.Read(ref r1).Address);

        Assert.True(reader.TryReadNext(out var h2, out var p2));
        Assert.Equal((byte)PvaCommand.Search, h2.Command);
        Assert.Equal(searchBigEndian, h2.IsBigEndian);
        var r2 = new PvaReader(p2, h2.IsBigEndian);
        var s = SearchRequest.Read(ref r2);
        Assert.False(s.IsUnicast);
        Assert.Equal(IPAddress.Loopback, s.ResponseAddress);
        Assert.Single(s.Channels);
        Assert.False(reader.TryReadNext(out _, out _));
    }

    [Theory]
    // pvxget's search and pvxs's forwarded copy (errors/no-server/pvxget-nonexistent.json frames 1 and 2).
    [InlineData(
        "ca0280030000003466696e6480000000000000000000000000000000000000008d3301037463700001123456780e6e6f6e6578697374656e743a7076",
        "ca0280160000001000000000000000000000ffff7f000001" +
        "ca0280030000003466696e640000000000000000000000000000ffff7f0000018d3301037463700001123456780e6e6f6e6578697374656e743a7076")]
    // pvget's LE search and pvxs's copy (pva-softIocPVX/ai/pvget.json frames 1 and 2).
    [InlineData(
        "ca0200032d000000010000008000000000000000000000000000ffff000000007b89010374637001004130201007636f6e663a6169",
        "ca0280160000001000000000000000000000ffff7f000001" +
        "ca0200032d000000010000000000000000000000000000000000ffff7f0000017b89010374637001004130201007636f6e663a6169")]
    public void Forwarding_a_unicast_search_produces_the_pvxs_bytes(string originalHex, string forwardedHex)
    {
        var original = Convert.FromHexString(originalHex);
        var search = DecodeSearch(original);
        using var builder = new MessageBuilder();
        var forwarded = DiscoverySocket.BuildForwarded(builder, original, search, IPAddress.Loopback, IPAddress.Loopback);
        Assert.Equal(forwardedHex.ToUpperInvariant(), ToHex(forwarded));
    }

    [Theory]
    [InlineData("CA 02 80 03 00 00 00 40 00")] // size runs past the datagram
    [InlineData("CB 02 80 03 00 00 00 00")] // bad magic
    [InlineData("CA 02 81 02 00 00 00 00")] // control message on UDP
    [InlineData("CA 02 90 03 00 00 00 00")] // segmented
    [InlineData("CA 02 80")] // truncated header
    public void Malformed_datagrams_are_rejected(string hex)
    {
        var bytes = Hex(hex);
        Assert.Throws<PvaProtocolException>(() =>
        {
            var reader = new DatagramReader(bytes);
            while (reader.TryReadNext(out _, out _))
            {
            }
        });
    }

    [Fact]
    public void Search_with_a_channel_count_larger_than_the_payload_is_rejected()
    {
        // pvxs search with the u16 count patched to 0xFFFF.
        var bytes = Hex(PvxsSearch.Replace("00 01 | 12", "FF FF | 12", StringComparison.Ordinal));
        Assert.Throws<PvaProtocolException>(() => DecodeSearch(bytes));
    }

    [Fact]
    public void Wire_address_reads_the_unspecified_and_v4_compatible_forms()
    {
        static IPAddress Read(string hex)
        {
            var r = new PvaReader(Convert.FromHexString(hex), bigEndian: false);
            return WireAddress.Read(ref r);
        }

        Assert.Equal(IPAddress.Any, Read("00000000000000000000000000000000"));
        Assert.Equal(IPAddress.Any, Read("00000000000000000000FFFF00000000"));
        Assert.Equal(IPAddress.Parse("192.168.1.2"), Read("00000000000000000000FFFFC0A80102"));
        Assert.Equal(IPAddress.Parse("192.168.1.2"), Read("000000000000000000000000C0A80102"));
        Assert.Equal(IPAddress.IPv6Loopback, Read("00000000000000000000000000000001"));
        Assert.Equal(IPAddress.Parse("fe80::1"), Read("FE800000000000000000000000000001"));
    }

    [Fact]
    public void Guid_compares_by_value_and_is_random_per_start()
    {
        var bytes = Convert.FromHexString("ADAB551044D2A8C081C922CD");
        Assert.Equal(new PvaGuid(bytes), new PvaGuid(bytes.ToArray()));
        Assert.Equal(bytes, new PvaGuid(bytes).ToArray());
        Assert.NotEqual(PvaGuid.NewRandom(), PvaGuid.NewRandom());
        Assert.Throws<ArgumentException>(() => new PvaGuid(new byte[11]));
    }
}
