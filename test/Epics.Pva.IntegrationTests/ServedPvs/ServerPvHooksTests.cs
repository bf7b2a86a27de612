using Epics.Pva.Client;
using Epics.Pva.Data;
using Epics.Pva.IntegrationTests.ClientServer;
using Epics.Pva.IntegrationTests.Discovery;
using Epics.Pva.Server;

namespace Epics.Pva.IntegrationTests.ServedPvs;

/// <summary>First/last client events, per-subscriber statistics, custom PVs from a source, handler failures logged.</summary>
public sealed class ServerPvHooksTests
{
    [Fact]
    public async Task First_client_and_last_client_events_follow_the_channels()
    {
        var pv = new SharedPv(Loopback.Counter(1));
        var first = 0;
        var last = 0;
        pv.FirstClientConnected += (_, _) => Interlocked.Increment(ref first);
        pv.LastClientDisconnected += (_, _) => Interlocked.Increment(ref last);
        await using var lo = await Loopback.StartAsync(s => s.AddPv("x", pv));

        await lo.Client.GetAsync("x", cancellationToken: Loopback.Deadline());
        await UnopenedPvTests.WaitUntilAsync(() => Volatile.Read(ref first) == 1);
        Assert.Equal(1, pv.ClientCount);

        var second = new PvaClient(lo.Server.CreateClientOptions());
        await second.GetAsync("x", cancellationToken: Loopback.Deadline());
        await UnopenedPvTests.WaitUntilAsync(() => pv.ClientCount == 2);
        Assert.Equal(1, Volatile.Read(ref first)); // only the first one counts

        await second.DisposeAsync();
        await UnopenedPvTests.WaitUntilAsync(() => pv.ClientCount == 1);
        Assert.Equal(0, Volatile.Read(ref last));

        await lo.Client.DisposeAsync();
        await UnopenedPvTests.WaitUntilAsync(() => Volatile.Read(ref last) == 1);
        Assert.Equal(0, pv.ClientCount);
    }

    [Fact]
    public async Task Subscriber_statistics_show_queue_fill_squashed_and_sent()
    {
        var pv = new SharedPv(Loopback.Counter(0));
        await using var lo = await Loopback.StartAsync(s => s.AddPv("x", pv));
        await using var sub = lo.Client.Subscribe("x", "record[queueSize=3,pipeline=true]field()");
        Assert.NotNull(await sub.ReadAsync(Loopback.Deadline()));

        // The client reads nothing more: the rest of its window goes out, then the server queue of 3 fills and squashes.
        for (var i = 1; i <= 10; i++)
        {
            var u = Loopback.Counter();
            u.Changed.Clear();
            u["value"].Set(i);
            pv.Post(u);
        }

        // Every update (the connect value and 10 posts) is sent, queued or merged into a queued one.
        await UnopenedPvTests.WaitUntilAsync(() => pv.Subscribers is [{ Window: 0 } t] && t.Sent + t.Queued + t.Squashed == 11,
            () => string.Join(", ", pv.Subscribers));
        var s = Assert.Single(pv.Subscribers);
        Assert.Equal("x", s.ChannelName);
        Assert.Equal(3, s.QueueSize);
        Assert.InRange(s.Queued, 1, 3);
        Assert.InRange(s.Sent, 3, 5); // the connect value and the client's window (3, plus what its first ack gave back)
        Assert.True(s.Squashed >= 3, $"squashed {s.Squashed}");
        Assert.True(s.Running);
        Assert.True(s.Pipelined);
        Assert.Equal(0, s.Window);
        Assert.StartsWith("127.0.0.1:", s.Peer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_source_can_serve_a_custom_pv()
    {
        var custom = new UpperCasePv();
        await using var lo = await Loopback.StartAsync(s => s.AddSource(new CustomSource(custom)));
        await lo.Client.PutValueAsync("custom:x", "shout", Loopback.Deadline());
        Assert.Equal("SHOUT", (await lo.Client.GetAsync("custom:x", cancellationToken: Loopback.Deadline()))["value"].GetString());
        var result = await lo.Client.RpcAsync("custom:x", custom.Snapshot(), Loopback.Deadline());
        Assert.Equal("SHOUT!", result!["value"].GetString());
    }

    [Fact]
    public async Task Put_and_rpc_handler_failures_are_logged_with_the_pv_and_the_peer()
    {
        var logs = new CapturingLoggerFactory();
        var pv = new SharedPv(Loopback.Counter(0))
        {
            PutHandler = (_, _) => throw new InvalidOperationException("no puts today"),
            RpcHandler = (_, _) => throw new InvalidOperationException("no calls today"),
        };
        await using var lo = await Loopback.StartAsync(s => s.AddPv("x", pv), PvaServerOptions.Isolated() with { LoggerFactory = logs });

        var put = await Assert.ThrowsAsync<PvaRemoteException>(() => lo.Client.PutValueAsync("x", "1", Loopback.Deadline()));
        Assert.Contains("no puts today", put.Message, StringComparison.Ordinal);
        var rpc = await Assert.ThrowsAsync<PvaRemoteException>(() => lo.Client.RpcAsync("x", Loopback.Counter(), Loopback.Deadline()));
        Assert.Contains("no calls today", rpc.Message, StringComparison.Ordinal);

        await UnopenedPvTests.WaitUntilAsync(() => logs.Lines.Count(l => l.StartsWith("Warning", StringComparison.Ordinal)) >= 2);
        Assert.Contains(logs.Lines, l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains("Put to x from 127.0.0.1:", StringComparison.Ordinal)
            && l.Contains("no puts today", StringComparison.Ordinal));
        Assert.Contains(logs.Lines, l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains("RPC call of x from 127.0.0.1:", StringComparison.Ordinal)
            && l.Contains("no calls today", StringComparison.Ordinal));
    }

    private sealed class CustomSource(ServerPv pv) : IPvSource
    {
        public ServerPv? FindPv(string name) => name == "custom:x" ? pv : null;
    }

    /// <summary>Stores what is put in upper case; an RPC call returns the value with an exclamation mark.</summary>
    private sealed class UpperCasePv : ServerPv
    {
        public UpperCasePv()
            : base(null)
        {
            var v = new PvValue(PvType.Builder("epics:nt/NTScalar:1.0").Add("value", ScalarType.String).Build());
            Open(v);
        }

        protected override bool HandlesRpc => true;

        protected override ValueTask OnPutAsync(PvPutRequest request, CancellationToken cancellationToken)
        {
            request.Value["value"].Set(request.Value["value"].GetString().ToUpperInvariant());
            Post(request.Value);
            return ValueTask.CompletedTask;
        }

        protected override ValueTask<PvValue?> OnRpcAsync(PvValue argument, CancellationToken cancellationToken)
        {
            var result = Snapshot();
            result["value"].Set(result["value"].GetString() + "!");
            return ValueTask.FromResult<PvValue?>(result);
        }
    }
}
