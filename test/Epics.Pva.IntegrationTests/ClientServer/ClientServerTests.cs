using System.Net.Sockets;
using Epics.Pva.Client;
using Epics.Pva.Data;
using Epics.Pva.Server;

namespace Epics.Pva.IntegrationTests.ClientServer;

public class ClientServerTests
{
    [Fact]
    public async Task Get_returns_the_posted_value()
    {
        var pv = new SharedPv(Loopback.Counter(42));
        await using var lo = await Loopback.StartAsync(s => s.AddPv("test:counter", pv));
        var value = await lo.Client.GetAsync("test:counter", cancellationToken: Loopback.Deadline());
        Assert.Equal(42, value["value"].GetInt32());
        Assert.Equal("epics:nt/NTScalar:1.0", value.Type.Id);
    }

    [Fact]
    public async Task Get_with_a_field_request_marks_only_those_fields()
    {
        var pv = new SharedPv(Loopback.Counter(7));
        await using var lo = await Loopback.StartAsync(s => s.AddPv("x", pv));
        var value = await lo.Client.GetAsync("x", "field(value)", Loopback.Deadline());
        Assert.True(value["value"].IsChanged);
        Assert.False(value["alarm.severity"].IsChanged);
    }

    [Fact]
    public async Task Request_selecting_nothing_is_a_remote_error()
    {
        var pv = new SharedPv(Loopback.Counter());
        await using var lo = await Loopback.StartAsync(s => s.AddPv("x", pv));
        var e = await Assert.ThrowsAsync<PvaRemoteException>(() => lo.Client.GetAsync("x", "field(nonexistent)", Loopback.Deadline()));
        Assert.Contains("at least one field", e.Message);
    }

    [Fact]
    public async Task Put_updates_the_pv_and_monitors_see_it()
    {
        var pv = new SharedPv(Loopback.Counter(1));
        await using var lo = await Loopback.StartAsync(s => s.AddPv("x", pv));
        await using var sub = lo.Client.Subscribe("x");
        var first = await sub.ReadAsync(Loopback.Deadline());
        Assert.Equal(1, first!.Value["value"].GetInt32());
        await lo.Client.PutValueAsync("x", "5", Loopback.Deadline());
        var second = await sub.ReadAsync(Loopback.Deadline());
        Assert.Equal(5, second!.Value["value"].GetInt32());
        Assert.True(second.Changed[second.Value.Type.OffsetOf("value")]);
        Assert.Equal(5, pv.Snapshot()["value"].GetInt32());
    }

    [Fact]
    public async Task Put_handler_rejection_reaches_the_client()
    {
        var pv = new SharedPv(Loopback.Counter()) { PutHandler = (_, _) => throw new InvalidOperationException("read only") };
        await using var lo = await Loopback.StartAsync(s => s.AddPv("x", pv));
        var e = await Assert.ThrowsAsync<PvaRemoteException>(() => lo.Client.PutValueAsync("x", "3", Loopback.Deadline()));
        Assert.Contains("read only", e.Message);
    }

    [Fact]
    public async Task Monitor_delivers_every_update_in_order_with_pipeline()
    {
        var pv = new SharedPv(Loopback.Counter(0));
        await using var lo = await Loopback.StartAsync(s => s.AddPv("x", pv));
        await using var sub = lo.Client.Subscribe("x", "record[queueSize=8,pipeline=true]field()");
        var update = Loopback.Counter();
        var first = await sub.ReadAsync(Loopback.Deadline());
        Assert.Equal(0, first!.Value["value"].GetInt32());
        const int n = 2000;
        var producer = Task.Run(() =>
        {
            for (var i = 1; i <= n; i++)
            {
                update.Changed.Clear();
                update["value"].Set(i);
                pv.Post(update);
                // Pipelining bounds what is in flight; the server queue squashes beyond it, so pace the producer to
                // the consumer to check ordering without loss.
                SpinWait.SpinUntil(() => pv.SubscriberCount == 0 || sub.Statistics.Received >= i - 4, 1000);
            }
        });
        var expected = 1;
        var deadline = Loopback.Deadline();
        while (expected <= n)
        {
            using var u = await sub.ReadAsync(deadline);
            var v = u!.Value["value"].GetInt32();
            Assert.True(v >= expected, $"went backwards: {v} after {expected - 1}");
            expected = v + 1;
        }

        await producer.WaitAsync(Loopback.Timeout);
        Assert.Equal(0, sub.Statistics.Squashed);
    }

    [Fact]
    public async Task Server_queue_squashes_with_overrun_bits_when_the_client_is_slow()
    {
        var pv = new SharedPv(Loopback.Counter(0));
        await using var lo = await Loopback.StartAsync(s => s.AddPv("x", pv));
        await using var sub = lo.Client.Subscribe("x", "record[queueSize=2,pipeline=true]field()");
        _ = await sub.ReadAsync(Loopback.Deadline());
        var update = Loopback.Counter();
        for (var i = 1; i <= 100; i++)
        {
            update.Changed.Clear();
            update["value"].Set(i);
            pv.Post(update);
        }

        var last = 0;
        var sawOverrun = false;
        var deadline = Loopback.Deadline();
        while (last != 100)
        {
            using var u = await sub.ReadAsync(deadline);
            last = u!.Value["value"].GetInt32();
            sawOverrun |= !u.Overrun.IsEmpty;
        }

        Assert.True(sawOverrun);
        Assert.True(sub.Statistics.Received < 100);
    }

    [Fact]
    public async Task Rpc_calls_the_handler()
    {
        var argType = PvType.Builder().Add("lhs", ScalarType.Double).Add("rhs", ScalarType.Double).Build();
        var pv = new SharedPv(Loopback.Counter())
        {
            RpcHandler = (arg, _) =>
            {
                var result = new PvValue(PvType.Builder().Add("value", ScalarType.Double).Build());
                result["value"].Set(arg["lhs"].GetDouble() + arg["rhs"].GetDouble());
                return ValueTask.FromResult<PvValue?>(result);
            },
        };
        await using var lo = await Loopback.StartAsync(s => s.AddPv("add", pv));
        var a = new PvValue(argType);
        a["lhs"].Set(1.5);
        a["rhs"].Set(2.25);
        var r = await lo.Client.RpcAsync("add", a, Loopback.Deadline());
        Assert.Equal(3.75, r!["value"].GetDouble());
    }

    [Fact]
    public async Task GetType_returns_the_full_type()
    {
        var pv = new SharedPv(Loopback.Counter());
        await using var lo = await Loopback.StartAsync(s => s.AddPv("x", pv));
        var type = await lo.Client.GetTypeAsync("x", Loopback.Deadline());
        Assert.Equal(pv.Type, type);
    }

    [Fact]
    public async Task Unknown_channel_waits_until_cancelled()
    {
        await using var lo = await Loopback.StartAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => lo.Client.GetAsync("nobody:home", cancellationToken: cts.Token));
    }

    [Fact]
    public async Task Many_channels_share_one_connection()
    {
        await using var lo = await Loopback.StartAsync(s =>
        {
            for (var i = 0; i < 500; i++)
            {
                s.AddPv($"ch:{i}", new SharedPv(Loopback.Counter(i)));
            }
        });
        var gets = Enumerable.Range(0, 500).Select(i => lo.Client.GetAsync($"ch:{i}", cancellationToken: Loopback.Deadline())).ToArray();
        var values = await Task.WhenAll(gets).WaitAsync(Loopback.Timeout);
        Assert.Equal(Enumerable.Range(0, 500), values.Select(v => v["value"].GetInt32()));
        Assert.Equal(1, lo.Client.ConnectionCount);
        Assert.Equal(1, lo.Server.ConnectionCount);
    }

    [Fact]
    public async Task Malformed_bytes_close_only_that_connection()
    {
        var pv = new SharedPv(Loopback.Counter(9));
        await using var lo = await Loopback.StartAsync(s => s.AddPv("x", pv));
        Assert.Equal(9, (await lo.Client.GetAsync("x", cancellationToken: Loopback.Deadline()))["value"].GetInt32());

        using var raw = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await raw.ConnectAsync(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, lo.Server.TcpPort)).WaitAsync(Loopback.Timeout);

        // The server greets first (SET_BYTE_ORDER, then its validation request). Read the greeting before sending the
        // garbage: a server that closes a connection drops what it had not sent yet, so reading it afterwards raced.
        var buffer = new byte[4096];
        var greeting = 0;
        while (greeting < 16)
        {
            var n = await raw.ReceiveAsync(buffer.AsMemory(greeting)).AsTask().WaitAsync(Loopback.Timeout);
            Assert.True(n > 0, "the server closed before its greeting");
            greeting += n;
        }

        Assert.Equal(0xCA, buffer[0]);
        await raw.SendAsync(new byte[] { 0xCA, 0x02, 0x00, 0x07, 0xFF, 0xFF, 0xFF, 0x7F, 1, 2, 3 }).WaitAsync(Loopback.Timeout);
        await raw.SendAsync("this is not PVA at all"u8.ToArray()).WaitAsync(Loopback.Timeout);
        try
        {
            while (await raw.ReceiveAsync(buffer).WaitAsync(Loopback.Timeout) > 0)
            {
            }
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            // closed with unread bytes in its buffer: the kernel resets instead of a clean end
        }

        Assert.Equal(9, (await lo.Client.GetAsync("x", cancellationToken: Loopback.Deadline()))["value"].GetInt32());
    }

    [Fact]
    public async Task Monitor_resumes_after_a_server_restart()
    {
        var first = new PvaServer(PvaServerOptions.Isolated());
        first.AddPv("x", new SharedPv(Loopback.Counter(1)));
        await first.StartAsync();
        var options = first.Options with { ServerPort = first.TcpPort, BroadcastPort = first.UdpPort };
        await using var client = new PvaClient(first.CreateClientOptions());
        await using var sub = client.Subscribe("x");
        Assert.Equal(1, (await sub.ReadAsync(Loopback.Deadline()))!.Value["value"].GetInt32());
        await first.DisposeAsync();

        await using var second = new PvaServer(options);
        second.AddPv("x", new SharedPv(Loopback.Counter(2)));
        await second.StartAsync();
        var next = await sub.ReadAsync(Loopback.Deadline());
        Assert.Equal(2, next!.Value["value"].GetInt32());
        Assert.Equal(2, sub.Statistics.Connects);
    }

    [Fact]
    public async Task Closing_a_pv_ends_its_monitors()
    {
        var pv = new SharedPv(Loopback.Counter());
        await using var lo = await Loopback.StartAsync(s => s.AddPv("x", pv));
        await using var sub = lo.Client.Subscribe("x");
        Assert.NotNull(await sub.ReadAsync(Loopback.Deadline()));
        pv.Close();
        Assert.Null(await sub.ReadAsync(Loopback.Deadline()));
    }

    [Fact]
    public async Task Clients_opening_and_closing_in_a_loop_leave_no_connections()
    {
        var pv = new SharedPv(Loopback.Counter(3));
        await using var lo = await Loopback.StartAsync(s => s.AddPv("x", pv));
        for (var i = 0; i < 200; i++)
        {
            await using var c = new PvaClient(lo.Server.CreateClientOptions());
            Assert.Equal(3, (await c.GetAsync("x", cancellationToken: Loopback.Deadline()))["value"].GetInt32());
        }

        var deadline = DateTime.UtcNow + Loopback.Timeout;
        while (lo.Server.ConnectionCount > 1 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.True(lo.Server.ConnectionCount <= 1, $"{lo.Server.ConnectionCount} connections left");
    }
}

public class PutGetTests
{
    [Fact]
    public async Task PutGet_writes_and_reads_back_in_one_operation()
    {
        var pv = new SharedPv(Loopback.Counter(1));
        await using var lo = await Loopback.StartAsync(s => s.AddPv("x", pv));
        var result = await lo.Client.PutGetAsync("x", v => v["value"].Set(11), cancellationToken: Loopback.Deadline());
        Assert.Equal(11, result["value"].GetInt32());
    }
}

public class RobustnessTests
{
    [Fact]
    public async Task Client_disappearing_mid_monitor_releases_its_subscription_and_connection()
    {
        var pv = new SharedPv(Loopback.Counter());
        await using var lo = await Loopback.StartAsync(s => s.AddPv("x", pv));
        using var stop = new CancellationTokenSource();
        var update = Loopback.Counter();
        var producer = Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                update.Changed.Clear();
                update["value"].Set(i);
                pv.Post(update);
                await Task.Yield();
            }
        });

        for (var round = 0; round < 5; round++)
        {
            var client = new PvaClient(lo.Server.CreateClientOptions());
            var sub = client.Subscribe("x", "record[queueSize=4]field()");
            Assert.NotNull(await sub.ReadAsync(Loopback.Deadline()));
            // Vanish without unsubscribing: the connection just goes away.
            await client.DisposeAsync().AsTask().WaitAsync(Loopback.Timeout);
        }

        var deadline = DateTime.UtcNow + Loopback.Timeout;
        while ((pv.SubscriberCount > 0 || lo.Server.ConnectionCount > 1) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        await stop.CancelAsync();
        await producer.WaitAsync(Loopback.Timeout);
        Assert.Equal(0, pv.SubscriberCount);
        Assert.True(lo.Server.ConnectionCount <= 1);
    }
}
