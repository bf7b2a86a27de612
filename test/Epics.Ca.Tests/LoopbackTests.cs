using System.Net;
using System.Net.Sockets;
using Epics.Ca.Client;
using Epics.Ca.Protocol;
using Epics.Ca.Server;
using Epics.Pva.Data;

namespace Epics.Ca.Tests;

/// <summary>Our client against our server over 127.0.0.1 (ephemeral ports).</summary>
public sealed class LoopbackTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(15);

    internal static CaClientOptions ClientFor(int udpPort) => CaClientOptions.FromDictionary(new Dictionary<string, string>
    {
        ["EPICS_CA_ADDR_LIST"] = $"127.0.0.1:{udpPort}",
        ["EPICS_CA_AUTO_ADDR_LIST"] = "NO",
    }) with { ConnectTimeout = TimeSpan.FromSeconds(5) };

    private static async Task<CaServer> StartAsync(CaServerOptions? options = null)
    {
        var server = new CaServer(options ?? CaServerOptions.Isolated());
        server.Start();
        await Task.Yield();
        return server;
    }

    [Fact]
    public async Task Get_returns_value_alarm_and_timestamp()
    {
        await using var server = await StartAsync();
        var stamp = new DateTimeOffset(2026, 11, 24, 1, 2, 3, TimeSpan.Zero).AddTicks(1234560);
        server.AddPv("t:x", 0).Post(42.25, stamp, new CaAlarm(CaSeverity.Major, CaAlarmStatus.HiHi));
        await using var client = new CaClient(ClientFor(server.UdpPort));

        var v = await client.GetAsync("t:x", TestContext.Current.CancellationToken).WaitAsync(Limit, TestContext.Current.CancellationToken);
        Assert.Equal(42.25, v["value"].GetDouble());
        Assert.Equal(2, v["alarm.severity"].GetInt32());
        Assert.Equal("HIHI", v["alarm.message"].GetString());
        Assert.Equal(stamp.ToUnixTimeSeconds(), v["timeStamp.secondsPastEpoch"].GetInt64());
        Assert.Equal(123456000, v["timeStamp.nanoseconds"].GetInt32());

        var info = await client.ConnectAsync("t:x", TestContext.Current.CancellationToken).WaitAsync(Limit, TestContext.Current.CancellationToken);
        Assert.Equal((DbrType.Double, 1, true, true), (info.NativeType, info.NativeCount, info.CanRead, info.CanWrite));
        Assert.Equal(server.TcpPort, info.Server.Port);
    }

    [Fact]
    public async Task Get_with_explicit_dbr_types_converts_on_the_server()
    {
        await using var server = await StartAsync();
        server.AddPv("t:m", 2.5, new CaPvMetadata { Units = "mA", Precision = 2, ControlLow = -1, ControlHigh = 9 });
        await using var client = new CaClient(ClientFor(server.UdpPort));
        var ct = TestContext.Current.CancellationToken;

        Assert.Equal("2.50", (await client.GetAsync("t:m", DbrType.String, 0, ct).WaitAsync(Limit, TestContext.Current.CancellationToken))["value"].GetString());
        var ctrl = await client.GetAsync("t:m", DbrType.CtrlDouble, 0, ct).WaitAsync(Limit, TestContext.Current.CancellationToken);
        Assert.Equal(("mA", 2, 9.0), (ctrl["display.units"].GetString(), ctrl["display.precision"].GetInt32(), ctrl["control.limitHigh"].GetDouble()));
        Assert.Equal(2, (await client.GetAsync("t:m", DbrType.TimeLong, 0, ct).WaitAsync(Limit, TestContext.Current.CancellationToken))["value"].GetInt32());
        Assert.Equal("ai", (await client.GetAsync("t:m", DbrType.ClassName, 0, ct).WaitAsync(Limit, TestContext.Current.CancellationToken))["value"].GetString());
        var error = await Assert.ThrowsAsync<CaStatusException>(() => client.GetAsync("t:m", DbrType.PutAckt, 0, ct).WaitAsync(Limit, TestContext.Current.CancellationToken));
        Assert.Equal(EcaStatus.BadType, error.Status);
    }

    [Fact]
    public async Task Put_updates_the_pv_and_monitors_see_it()
    {
        await using var server = await StartAsync();
        var pv = server.AddPv("t:p", 1);
        var written = new TaskCompletionSource<double[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        pv.Written += (_, values) => written.TrySetResult(values);
        await using var client = new CaClient(ClientFor(server.UdpPort));
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(Limit);

        await using var updates = client.MonitorAsync("t:p", cts.Token).GetAsyncEnumerator(cts.Token);
        Assert.True(await updates.MoveNextAsync());
        Assert.Equal(1.0, updates.Current["value"].GetDouble());

        await client.PutAsync("t:p", 7.5, cts.Token);
        var writtenValues = await written.Task.WaitAsync(Limit, cts.Token);
        Assert.Equal([7.5], writtenValues);
        Assert.Equal(7.5, pv.Value);
        Assert.True(await updates.MoveNextAsync());
        Assert.Equal(7.5, updates.Current["value"].GetDouble());

        await client.PutAsync("t:p", "8.25", cts.Token); // DBR_STRING, converted by the server
        Assert.True(await updates.MoveNextAsync());
        Assert.Equal(8.25, updates.Current["value"].GetDouble());

        pv.Post(-3, null, new CaAlarm(CaSeverity.Minor, CaAlarmStatus.Low));
        Assert.True(await updates.MoveNextAsync());
        Assert.Equal((-3.0, 1), (updates.Current["value"].GetDouble(), updates.Current["alarm.severity"].GetInt32()));

        var bad = await Assert.ThrowsAsync<CaStatusException>(() => client.PutAsync("t:p", "not a number", cts.Token));
        Assert.Equal(EcaStatus.BadType, bad.Status);
    }

    [Fact]
    public async Task Arrays_get_put_and_monitor_as_scalar_arrays()
    {
        await using var server = await StartAsync();
        var pv = server.AddPv("t:wf", [1.0, 2, 3], capacity: 8);
        await using var client = new CaClient(ClientFor(server.UdpPort));
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(Limit);

        var v = await client.GetAsync("t:wf", cts.Token);
        Assert.Equal(TypeKind.ScalarArray, v["value"].Type.Kind);
        Assert.Equal([1.0, 2, 3], v["value"].GetArray().ToArray<double>());
        Assert.Equal(8, (await client.ConnectAsync("t:wf", cts.Token)).NativeCount);

        await using var updates = client.MonitorAsync("t:wf", cts.Token).GetAsyncEnumerator(cts.Token);
        Assert.True(await updates.MoveNextAsync());
        await client.PutAsync("t:wf", new[] { 5.0, 6, 7, 8, 9 }, cts.Token);
        Assert.True(await updates.MoveNextAsync());
        Assert.Equal([5.0, 6, 7, 8, 9], updates.Current["value"].GetArray().ToArray<double>());
        Assert.Equal([5.0, 6, 7, 8, 9], pv.Values);

        var asLong = await client.GetAsync("t:wf", DbrType.TimeLong, 8, cts.Token);
        Assert.Equal([5, 6, 7, 8, 9, 0, 0, 0], asLong["value"].GetArray().ToArray<int>());
    }

    [Fact]
    public async Task Unknown_channel_times_out_with_its_name()
    {
        await using var server = await StartAsync();
        await using var client = new CaClient(ClientFor(server.UdpPort) with { ConnectTimeout = TimeSpan.FromMilliseconds(500) });
        var e = await Assert.ThrowsAsync<CaTimeoutException>(() => client.GetAsync("no:such:pv", TestContext.Current.CancellationToken).WaitAsync(Limit, TestContext.Current.CancellationToken));
        Assert.Equal("no:such:pv", e.Channel);
        Assert.Contains("no:such:pv", e.Message);
        Assert.IsAssignableFrom<TimeoutException>(e);
    }

    [Fact]
    public async Task Channels_share_one_circuit_per_server()
    {
        await using var server = await StartAsync();
        server.AddPv("t:a", 1);
        server.AddPv("t:b", 2);
        await using var client = new CaClient(ClientFor(server.UdpPort));
        var ct = TestContext.Current.CancellationToken;
        var values = await Task.WhenAll(client.GetAsync("t:a", ct), client.GetAsync("t:b", ct)).WaitAsync(Limit, ct);
        Assert.Equal([1.0, 2.0], values.Select(v => v["value"].GetDouble()));
        Assert.Equal(1, server.CircuitCount);
    }

    [Fact]
    public async Task Monitor_reports_disconnect_and_resumes_after_server_restart()
    {
        var server = await StartAsync();
        var udpPort = server.UdpPort;
        server.AddPv("t:r", 1);
        await using var client = new CaClient(ClientFor(udpPort));
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(30));
        await using var subscription = client.Subscribe("t:r");
        var changes = System.Threading.Channels.Channel.CreateUnbounded<bool>();
        subscription.ConnectionChanged += (s, connected) =>
        {
            Assert.Same(subscription, s);
            changes.Writer.TryWrite(connected);
        };
        Assert.False(subscription.IsConnected);
        using (var first = await subscription.ReadAsync(cts.Token))
        {
            Assert.Equal(1.0, first!["value"].GetDouble());
        }

        Assert.True(await changes.Reader.ReadAsync(cts.Token));
        Assert.True(subscription.IsConnected);

        await server.DisposeAsync();
        Assert.False(await changes.Reader.ReadAsync(cts.Token));
        Assert.False(subscription.IsConnected);
        await Assert.ThrowsAnyAsync<Exception>(() => client.GetAsync("t:r", cts.Token));

        await using var restarted = new CaServer(CaServerOptions.Isolated() with { UdpPort = udpPort });
        restarted.AddPv("t:r", 2);
        restarted.Start();
        using (var next = await subscription.ReadAsync(cts.Token))
        {
            // No marker value in between: the disconnect is the event above, the next value is the new server's.
            Assert.Equal(2.0, next!["value"].GetDouble());
        }

        Assert.True(await changes.Reader.ReadAsync(cts.Token));
        Assert.Equal(2, subscription.Connects);
        Assert.Equal(2.0, (await client.GetAsync("t:r", cts.Token))["value"].GetDouble());
    }

    [Fact]
    public async Task Disposing_a_subscription_ends_its_enumeration()
    {
        await using var server = await StartAsync();
        server.AddPv("t:d", 1);
        await using var client = new CaClient(ClientFor(server.UdpPort));
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(Limit);
        var subscription = client.Subscribe("t:d");
        using (var first = await subscription.ReadAsync(cts.Token))
        {
            Assert.NotNull(first);
        }

        await subscription.DisposeAsync();
        Assert.Null(await subscription.ReadAsync(cts.Token));
    }

    [Fact]
    public async Task Malformed_bytes_close_that_circuit_and_the_server_keeps_serving()
    {
        await using var server = await StartAsync();
        server.AddPv("t:ok", 5);
        using (var raw = new TcpClient())
        {
            await raw.ConnectAsync(IPAddress.Loopback, server.TcpPort, TestContext.Current.CancellationToken);
            var stream = raw.GetStream();
            await stream.WriteAsync(Convert.FromHexString("00FF00000000000000000000000000000000"), TestContext.Current.CancellationToken);
            var buffer = new byte[256];
            var total = 0;
            using var cts = new CancellationTokenSource(Limit);
            try
            {
                while (await stream.ReadAsync(buffer.AsMemory(total), cts.Token) is var n and > 0)
                {
                    total += n;
                }
            }
            catch (IOException)
            {
                // a reset is as good as a close: the server dropped us
            }

            // At most its VERSION, then the server hung up. Under load the reset can overtake the VERSION bytes
            // (a reset discards what the client has not read yet), so a prefix of it is as good.
            var version = CaMessages.Version();
            Assert.True(total <= version.Length && version.AsSpan(0, total).SequenceEqual(buffer.AsSpan(0, total)), Convert.ToHexString(buffer, 0, total));
        }

        await using var client = new CaClient(ClientFor(server.UdpPort));
        Assert.Equal(5.0, (await client.GetAsync("t:ok", TestContext.Current.CancellationToken).WaitAsync(Limit, TestContext.Current.CancellationToken))["value"].GetDouble());
    }

    [Fact]
    public async Task Idle_circuit_sends_echo_and_stays_up()
    {
        await using var server = await StartAsync();
        var pv = server.AddPv("t:e", 1);
        await using var client = new CaClient(ClientFor(server.UdpPort) with
        {
            EchoIdleTime = TimeSpan.FromMilliseconds(100),
            EchoTimeout = TimeSpan.FromMilliseconds(500),
        });
        var ct = TestContext.Current.CancellationToken;
        await client.GetAsync("t:e", ct).WaitAsync(Limit, ct);
        await Task.Delay(1500, ct);
        pv.Post(3);
        Assert.Equal(3.0, (await client.GetAsync("t:e", ct).WaitAsync(Limit, ct))["value"].GetDouble());
        Assert.Equal(1, server.CircuitCount);
    }

    [Fact]
    public async Task Two_servers_share_one_udp_port_and_the_server_sends_beacons()
    {
        using var beaconSink = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var sink = (IPEndPoint)beaconSink.Client.LocalEndPoint!;
        await using var first = await StartAsync(CaServerOptions.Isolated() with { BeaconAddresses = [sink] });
        await using var second = await StartAsync(CaServerOptions.Isolated() with { UdpPort = first.UdpPort });
        Assert.Equal(first.UdpPort, second.UdpPort);

        var beacon = await beaconSink.ReceiveAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(Limit, TestContext.Current.CancellationToken);
        Assert.Equal(CaMessages.Beacon((ushort)first.TcpPort, 0), beacon.Buffer);
    }

    [Fact]
    public async Task Search_datagram_from_libca_gets_the_rsrv_answer()
    {
        await using var server = await StartAsync();
        server.AddPv("conf:ai", 0);
        var request = Conformance.Load("ai/camonitor.json").Where(m => m.Transport == "udp" && m.Direction.StartsWith('c'))
            .SelectMany(m => m.Bytes).ToArray();
        var reply = server.AnswerSearch(request, new IPEndPoint(IPAddress.Loopback, 1));
        var expected = CaMessages.UdpVersion(1).Concat(CaMessages.SearchReply((ushort)server.TcpPort, 1)).ToArray();
        Assert.Equal(expected, reply);
        Assert.Null(server.AnswerSearch(CaMessages.Search("other", 3), new IPEndPoint(IPAddress.Loopback, 1)));
        Assert.Equal(CaMessages.UdpVersion(0).Concat(CaMessages.NotFound(3)),
            server.AnswerSearch(CaMessages.Search("other", 3, replyIfUnknown: true), new IPEndPoint(IPAddress.Loopback, 1)));
    }
}
