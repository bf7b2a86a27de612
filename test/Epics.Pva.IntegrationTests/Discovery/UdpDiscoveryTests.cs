using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Epics.Pva.Protocol;
using Epics.Pva.Protocol.Messages;
using Epics.Pva.Transport.Discovery;

namespace Epics.Pva.IntegrationTests.Discovery;

/// <summary>
/// SEARCH / SEARCH_RESPONSE / BEACON over real UDP sockets on loopback, ephemeral ports only. The fan-out test has to
/// bind 0.0.0.0 (a socket bound to 127.0.0.1 does not receive multicast), still on an ephemeral port.
/// </summary>
public class UdpDiscoveryTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static TaskCompletionSource<SearchResult> NewFound() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static SearchHandler Handler(params string[] names)
    {
        var set = names.ToHashSet(StringComparer.Ordinal);
        return new SearchHandler(PvaGuid.NewRandom(), set.Contains, 34567);
    }

    private static int FreeUdpPort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    private static byte[] SearchDatagram(SearchFlags flags, ushort responsePort, bool bigEndian, params string[] names)
    {
        using var b = new MessageBuilder();
        new SearchRequest(9, flags, IPAddress.Any, responsePort, SearchRequest.TcpOnly,
            names.Select((n, i) => new SearchChannel((uint)(1000 + i), n)).ToArray()).Write(b, bigEndian);
        return b.ToArray();
    }

    private static async Task<SearchResponse?> ReceiveResponseAsync(UdpClient udp, TimeSpan within)
    {
        using var cts = new CancellationTokenSource(within);
        try
        {
            var r = await udp.ReceiveAsync(cts.Token);
            var reader = new DatagramReader(r.Buffer);
            Assert.True(reader.TryReadNext(out var h, out var p));
            Assert.Equal((byte)PvaCommand.SearchResponse, h.Command);
            Assert.True(h.IsBigEndian);
            var pr = new PvaReader(p, h.IsBigEndian);
            return SearchResponse.Read(ref pr);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    [Fact]
    public async Task Searcher_finds_a_name_served_by_an_isolated_responder()
    {
        var server = PvaServerOptions.Isolated();
        var handler = Handler("test:pv");
        await using var responder = SearchResponder.Start(server, handler);
        Assert.NotEqual(0, responder.Port);

        await using var searcher = new ChannelSearcher(server.CreateClientOptions(responder.Port, handler.TcpPort));
        var found = NewFound();
        searcher.Register(5, "test:pv", found.SetResult);
        var result = await found.Task.WaitAsync(Timeout, TestContext.Current.CancellationToken);

        Assert.Equal(5u, result.SearchId);
        Assert.Equal("test:pv", result.Name);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 34567), result.Server);
        Assert.Equal(handler.Guid, result.Guid);
    }

    [Fact]
    public async Task Unknown_names_get_no_answer_and_must_reply_gets_a_negative_one()
    {
        var handler = Handler("known");
        await using var responder = SearchResponder.Start(PvaServerOptions.Isolated(), handler);
        using var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var port = (ushort)((IPEndPoint)client.Client.LocalEndPoint!).Port;
        var target = new IPEndPoint(IPAddress.Loopback, responder.Port);

        await client.SendAsync(SearchDatagram(SearchFlags.None, port, bigEndian: false, "unknown"), target, TestContext.Current.CancellationToken);
        Assert.Null(await ReceiveResponseAsync(client, TimeSpan.FromMilliseconds(500)));

        await client.SendAsync(SearchDatagram(SearchFlags.MustReply, port, bigEndian: false, "unknown"), target, TestContext.Current.CancellationToken);
        var negative = await ReceiveResponseAsync(client, Timeout);
        Assert.NotNull(negative);
        Assert.False(negative.Found);
        Assert.Equal(9u, negative.SequenceId);

        // The zero-channel discovery ping (pvlist) is answered too.
        await client.SendAsync(SearchDatagram(SearchFlags.MustReply, port, bigEndian: true), target, TestContext.Current.CancellationToken);
        var ping = await ReceiveResponseAsync(client, Timeout);
        Assert.NotNull(ping);
        Assert.False(ping.Found);
        Assert.Equal(handler.Guid, ping.Guid);

        // A searcher never reports a negative answer as found.
        await using var searcher = new ChannelSearcher(PvaServerOptions.Isolated().CreateClientOptions(responder.Port, 1));
        var found = NewFound();
        searcher.Register(1, "unknown", found.SetResult);
        await Task.Delay(1500, TestContext.Current.CancellationToken);
        Assert.False(found.Task.IsCompleted);
        Assert.True(searcher.DatagramsSent >= 2, $"expected the first search and the 1 s retry, saw {searcher.DatagramsSent}");
    }

    [Fact]
    public async Task Two_hundred_names_share_a_few_datagrams_and_are_all_found()
    {
        var names = Enumerable.Range(0, 200).Select(i => $"batch:test:channel:{i:D4}").ToArray();
        var server = PvaServerOptions.Isolated();
        var handler = Handler(names);
        await using var responder = SearchResponder.Start(server, handler);
        await using var searcher = new ChannelSearcher(server.CreateClientOptions(responder.Port, handler.TcpPort));

        var found = new ConcurrentDictionary<uint, SearchResult>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        for (var i = 0; i < names.Length; i++)
        {
            searcher.Register((uint)i, names[i], r =>
            {
                found[r.SearchId] = r;
                if (found.Count == names.Length)
                {
                    all.TrySetResult();
                }
            });
        }

        await all.Task.WaitAsync(Timeout, TestContext.Current.CancellationToken);
        Assert.All(found, kv => Assert.Equal(names[kv.Key], kv.Value.Name));

        // 200 names of ~30 bytes fit in about 5 datagrams of < 1400 bytes; allow for registrations racing the sender.
        Assert.InRange(searcher.DatagramsSent, 5, 20);
    }

    [Fact]
    public async Task Two_responders_sharing_a_port_are_both_reached_through_the_local_multicast_fan_out()
    {
        var shared = PvaServerOptions.Isolated() with { InterfaceAddresses = ["0.0.0.0"] };
        await using var first = SearchResponder.Start(shared, Handler("first:pv"));
        SearchResponder second;
        try
        {
            second = SearchResponder.Start(shared with { BroadcastPort = first.Port }, Handler("second:pv"));
        }
        catch (SocketException ex)
        {
            Assert.Skip($"the OS refuses to share a UDP port: {ex.SocketErrorCode}");
            return;
        }

        await using (second)
        {
            if (!first.Sockets[0].LocalMulticast || !second.Sockets[0].LocalMulticast)
            {
                Assert.Skip("the OS refuses multicast membership on loopback");
            }

            // A unicast search reaches only one of the two sockets; that one must fan it out to the other.
            var client = shared.CreateClientOptions(first.Port, 1) with { BroadcastPort = FreeUdpPort() };
            await using var searcher = new ChannelSearcher(client);
            var a = NewFound();
            var b = NewFound();
            searcher.Register(1, "first:pv", a.SetResult);
            searcher.Register(2, "second:pv", b.SetResult);
            var results = await Task.WhenAll(a.Task, b.Task).WaitAsync(Timeout, TestContext.Current.CancellationToken);

            Assert.NotEqual(results[0].Guid, results[1].Guid);
            Assert.True(first.Sockets[0].ForwardedSearches + second.Sockets[0].ForwardedSearches > 0);
        }
    }

    [Fact]
    public async Task Two_responders_bound_to_loopback_sharing_a_port_are_both_reached()
    {
        // Sockets bound to 127.0.0.1 do not receive the group: each responder also listens on the group itself.
        var shared = PvaServerOptions.Isolated() with { InterfaceAddresses = ["127.0.0.1"] };
        await using var first = SearchResponder.Start(shared, Handler("first:pv"));
        SearchResponder second;
        try
        {
            second = SearchResponder.Start(shared with { BroadcastPort = first.Port }, Handler("second:pv"));
        }
        catch (SocketException ex)
        {
            Assert.Skip($"the OS refuses to share a UDP port: {ex.SocketErrorCode}");
            return;
        }

        await using (second)
        {
            if (!first.Sockets[0].LocalMulticast || !second.Sockets[0].LocalMulticast)
            {
                Assert.Skip("the OS refuses multicast membership on loopback");
            }

            for (var round = 0; round < 4; round++)
            {
                var client = shared.CreateClientOptions(first.Port, 1) with { BroadcastPort = FreeUdpPort() };
                await using var searcher = new ChannelSearcher(client);
                var a = NewFound();
                var b = NewFound();
                searcher.Register(1, "first:pv", a.SetResult);
                searcher.Register(2, "second:pv", b.SetResult);
                var results = await Task.WhenAll(a.Task, b.Task).WaitAsync(Timeout, TestContext.Current.CancellationToken);
                Assert.NotEqual(results[0].Guid, results[1].Guid);
            }
        }
    }

    [Fact]
    public async Task A_unicast_search_to_loopback_is_forwarded_with_the_tags_pvxs_and_pvaccesscpp_servers_accept()
    {
        var options = PvaServerOptions.Isolated() with { InterfaceAddresses = ["0.0.0.0"] };
        await using var responder = SearchResponder.Start(options, Handler("here:pv"));
        if (!responder.Sockets[0].LocalMulticast)
        {
            Assert.Skip("the OS refuses multicast membership on loopback");
        }

        // Another server's group socket, as pvAccessCPP binds it.
        using var group = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        group.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        group.Bind(new IPEndPoint(DiscoveryAddresses.LocalMulticastGroup, responder.Port));
        group.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(DiscoveryAddresses.LocalMulticastGroup, IPAddress.Loopback));

        using var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var clientPort = ((IPEndPoint)client.Client.LocalEndPoint!).Port;
        await client.SendAsync(SearchDatagram(SearchFlags.Unicast, (ushort)clientPort, bigEndian: false, "elsewhere:pv"), new IPEndPoint(IPAddress.Loopback, responder.Port));

        var origins = new List<IPAddress>();
        var buffer = new byte[2048];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        while (origins.Count < 2)
        {
            int n;
            try
            {
                n = await group.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            var reader = new DatagramReader(buffer.AsSpan(0, n));
            Assert.True(reader.TryReadNext(out var h, out var p));
            Assert.Equal((byte)PvaCommand.OriginTag, h.Command);
            var pr = new PvaReader(p, h.IsBigEndian);
            origins.Add(OriginTag.Read(ref pr).Address);
            Assert.True(reader.TryReadNext(out var sh, out var sp));
            var sr = new PvaReader(sp, sh.IsBigEndian);
            var forwarded = SearchRequest.Read(ref sr);
            Assert.False(forwarded.IsUnicast);
            Assert.Equal(IPAddress.Loopback, forwarded.ResponseAddress);
            Assert.Equal(clientPort, forwarded.ResponsePort);
        }

        // PVXS servers bound to one interface accept only their own address; pvAccessCPP servers bound to all
        // interfaces never tap loopback and accept 0.0.0.0.
        Assert.Equal([IPAddress.Any, IPAddress.Loopback], origins.OrderBy(a => a.ToString()).ToArray());
    }

    [Fact]
    public async Task A_search_reaching_a_responder_directly_and_through_its_own_fan_out_is_answered_once()
    {
        var options = PvaServerOptions.Isolated() with { InterfaceAddresses = ["0.0.0.0"] };
        await using var responder = SearchResponder.Start(options, Handler("here:pv"));
        using var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var clientPort = ((IPEndPoint)client.Client.LocalEndPoint!).Port;
        await client.SendAsync(SearchDatagram(SearchFlags.Unicast, (ushort)clientPort, bigEndian: false, "here:pv"), new IPEndPoint(IPAddress.Loopback, responder.Port));

        Assert.NotNull(await ReceiveResponseAsync(client, Timeout));
        Assert.Null(await ReceiveResponseAsync(client, TimeSpan.FromMilliseconds(700)));
    }

    [Fact]
    public async Task Malformed_datagrams_are_dropped_with_a_log_and_the_responder_keeps_answering()
    {
        var logs = new CapturingLoggerFactory();
        var server = PvaServerOptions.Isolated() with { LoggerFactory = logs };
        var handler = Handler("still:here");
        await using var responder = SearchResponder.Start(server, handler);
        using var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var port = (ushort)((IPEndPoint)client.Client.LocalEndPoint!).Port;
        var target = new IPEndPoint(IPAddress.Loopback, responder.Port);

        var valid = SearchDatagram(SearchFlags.None, port, bigEndian: true, "still:here");
        byte[][] garbage =
        [
            [0xDE, 0xAD, 0xBE, 0xEF],
            [0xCA, 0x02, 0x80, 0x03, 0x00, 0x00, 0x10, 0x00, 0x01],
            valid[..^3],
            [.. valid, 0xCA, 0x02],
            [0xCA, 0x02, 0x81, 0x02, 0, 0, 0, 0],
        ];
        foreach (var g in garbage)
        {
            await client.SendAsync(g, target, TestContext.Current.CancellationToken);
        }

        await client.SendAsync(valid, target, TestContext.Current.CancellationToken);
        var response = await ReceiveResponseAsync(client, Timeout);
        Assert.NotNull(response);
        Assert.True(response.Found);
        Assert.Equal([1000u], response.SearchIds);

        // The last garbage datagram held a whole valid search before its junk tail: everything in it is dropped.
        var deadline = DateTime.UtcNow + Timeout;
        while (responder.Sockets[0].DroppedDatagrams < garbage.Length && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        Assert.Equal(garbage.Length, responder.Sockets[0].DroppedDatagrams);
        Assert.Contains(logs.Lines, l => l.Contains("malformed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Beacons_go_out_fast_then_slow_with_the_server_guid_and_port()
    {
        using var listener = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)listener.Client.LocalEndPoint!).Port;
        var options = PvaServerOptions.Isolated() with
        {
            BeaconAddressList = [$"127.0.0.1:{port}"],
            BeaconPeriod = TimeSpan.FromMilliseconds(100),
            FastBeaconCount = 2,
            SlowBeaconPeriod = TimeSpan.FromMilliseconds(900),
        };
        var guid = PvaGuid.NewRandom();
        await using var sender = new BeaconSender(options, guid, 4321, 9999);

        var beacons = new List<(Beacon Beacon, DateTime At)>();
        using var cts = new CancellationTokenSource(Timeout);
        while (beacons.Count < 3)
        {
            var r = await listener.ReceiveAsync(cts.Token);
            var reader = new DatagramReader(r.Buffer);
            Assert.True(reader.TryReadNext(out var h, out var p));
            Assert.Equal((byte)PvaCommand.Beacon, h.Command);
            Assert.True(h.IsBigEndian && h.IsFromServer);
            var pr = new PvaReader(p, true);
            beacons.Add((Beacon.Read(ref pr), DateTime.UtcNow));
        }

        Assert.All(beacons, b => Assert.Equal(guid, b.Beacon.Guid));
        Assert.All(beacons, b => Assert.Equal(4321, b.Beacon.ServerPort));
        Assert.Equal([0, 1, 2], beacons.Select(b => (int)b.Beacon.Sequence));
        Assert.True(beacons[2].At - beacons[1].At > TimeSpan.FromMilliseconds(600), "the third beacon should use the slow period");
    }

    [Fact]
    public async Task A_beacon_from_a_new_server_triggers_an_immediate_search()
    {
        var serverPort = FreeUdpPort();
        var beaconPort = FreeUdpPort();
        var client = PvaServerOptions.Isolated().CreateClientOptions(serverPort, 1) with { BroadcastPort = beaconPort };
        await using var searcher = new ChannelSearcher(client);
        var found = NewFound();
        searcher.Register(1, "late:pv", found.SetResult);

        // Searches go out at 0, 1 and 3 s; the next would be at 7 s.
        using (var cts = new CancellationTokenSource(Timeout))
        {
            while (searcher.DatagramsSent < 3)
            {
                await Task.Delay(50, cts.Token);
            }
        }

        var server = PvaServerOptions.Isolated() with { BroadcastPort = serverPort, BeaconAddressList = [$"127.0.0.1:{beaconPort}"] };
        var handler = Handler("late:pv");
        await using var responder = SearchResponder.Start(server, handler);
        var started = DateTime.UtcNow;
        await using var beacons = new BeaconSender(server, handler.Guid, handler.TcpPort, responder.Port);

        var result = await found.Task.WaitAsync(Timeout, TestContext.Current.CancellationToken);
        Assert.Equal(handler.Guid, result.Guid);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(2.5), "found by the beacon-triggered search, not the 7 s retry");
    }
}
