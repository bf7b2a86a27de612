using System.Diagnostics;
using Epics.Pva.Data;
using Epics.Pva.IntegrationTests.Discovery;
using Epics.Pva.Protocol;
using Epics.Pva.Protocol.Messages;
using Epics.Pva.Server;

namespace Epics.Pva.IntegrationTests.ClientServer;

/// <summary>
/// The per-connection bounds of <see cref="PvaLimits"/> that the server enforces, each tried by a client over a raw
/// socket: the server's memory stays bounded, the client is held back or closed with a logged reason, and another
/// client is served meanwhile.
/// </summary>
public class ServerLimitsTests
{
    private static long ManagedMemory() => GC.GetTotalMemory(forceFullCollection: true);

    private static PvValue Bytes(int count)
    {
        var value = new PvValue(PvType.Builder().AddArray("value", ScalarType.UByte).Build());
        value["value"].Set(new byte[count]);
        return value;
    }

    private static async Task WaitForLogAsync(CapturingLoggerFactory logs, string text)
    {
        var deadline = Stopwatch.StartNew();
        while (!logs.Lines.Any(l => l.Contains(text, StringComparison.Ordinal)))
        {
            Assert.True(deadline.Elapsed < Loopback.Timeout, $"no log line with \"{text}\"");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task A_client_that_sends_gets_and_never_reads_is_held_back_then_closed()
    {
        using var logs = new CapturingLoggerFactory();
        var options = PvaServerOptions.Isolated() with
        {
            LoggerFactory = logs,
            ConnectionTimeout = TimeSpan.FromSeconds(2),
            Limits = PvaLimits.Default with { MaxReplyBacklog = 1 << 20 },
        };
        // 32 KiB arrays are copied into the reply (not spliced), so every unread reply costs the server its size.
        await using var lo = await Loopback.StartAsync(s =>
        {
            s.AddPv("img", new SharedPv(Bytes(32 * 1024)));
            s.AddPv("x", new SharedPv(Loopback.Counter(7)));
        }, options);

        using var raw = await RawPvaClient.ConnectAsync(lo.Server.TcpPort, receiveBufferSize: 4096);
        var sid = await raw.CreateChannelAsync("img");
        Assert.True((await raw.InitAsync(PvaCommand.Get, sid, 1)).Status.IsSuccess);
        var before = ManagedMemory();

        // 4,000 GETs: 80 KB of requests asking for 128 MiB of replies, none of which is read.
        var get = RawPvaClient.Encode(new OperationRequest(PvaCommand.Get, sid, 1, SubCommand.Get));
        var burst = new byte[get.Length * 4000];
        for (var i = 0; i < 4000; i++)
        {
            get.CopyTo(burst, i * get.Length);
        }

        await raw.SendAsync(burst);
        await WaitForLogAsync(logs, "Holding back the requests");
        Assert.Equal(7, (await lo.Client.GetAsync("x", cancellationToken: Loopback.Deadline()))["value"].GetInt32());
        Assert.True(ManagedMemory() - before < 24L * 1024 * 1024, "the unread replies grew the server's memory");

        await WaitForLogAsync(logs, "has read none of its replies");
        await raw.AssertClosedByServerAsync();
        Assert.Contains(logs.Lines, l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains("has read none of its replies", StringComparison.Ordinal));
        Assert.Equal(7, (await lo.Client.GetAsync("x", cancellationToken: Loopback.Deadline()))["value"].GetInt32());
    }

    [Fact]
    public async Task A_client_that_reads_slowly_is_held_back_and_gets_every_reply()
    {
        using var logs = new CapturingLoggerFactory();
        var options = PvaServerOptions.Isolated() with { LoggerFactory = logs, Limits = PvaLimits.Default with { MaxReplyBacklog = 256 * 1024 } };
        await using var lo = await Loopback.StartAsync(s => s.AddPv("img", new SharedPv(Bytes(32 * 1024))), options);
        using var raw = await RawPvaClient.ConnectAsync(lo.Server.TcpPort, receiveBufferSize: 4096);
        var sid = await raw.CreateChannelAsync("img");
        Assert.True((await raw.InitAsync(PvaCommand.Get, sid, 1)).Status.IsSuccess);

        var get = RawPvaClient.Encode(new OperationRequest(PvaCommand.Get, sid, 1, SubCommand.Get));
        var burst = new byte[get.Length * 200];
        for (var i = 0; i < 200; i++)
        {
            get.CopyTo(burst, i * get.Length);
        }

        await raw.SendAsync(burst);
        await WaitForLogAsync(logs, "Holding back the requests");
        for (var i = 0; i < 200; i++)
        {
            var payload = await raw.ReceiveAsync(PvaCommand.Get);
            Assert.True(payload.Length > 32 * 1024);
        }
    }

    [Fact]
    public async Task Channels_and_operations_per_connection_are_bounded()
    {
        using var logs = new CapturingLoggerFactory();
        var options = PvaServerOptions.Isolated() with
        {
            LoggerFactory = logs,
            Limits = PvaLimits.Default with { MaxChannelsPerConnection = 10, MaxOperationsPerConnection = 10 },
        };
        await using var lo = await Loopback.StartAsync(s => s.AddPv("x", new SharedPv(Loopback.Counter(3))), options);

        using (var raw = await RawPvaClient.ConnectAsync(lo.Server.TcpPort))
        {
            for (var i = 0u; i < 10; i++)
            {
                await raw.CreateChannelAsync("x", i);
            }

            await raw.SendAsync(new CreateChannelRequest(10, "x"));
            await raw.AssertClosedByServerAsync();
        }

        Assert.Contains(logs.Lines, l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains("more than 10 channels", StringComparison.Ordinal));

        using (var raw = await RawPvaClient.ConnectAsync(lo.Server.TcpPort))
        {
            var sid = await raw.CreateChannelAsync("x");
            for (var i = 0u; i < 10; i++)
            {
                Assert.True((await raw.InitAsync(PvaCommand.Monitor, sid, i)).Status.IsSuccess);
            }

            await raw.SendAsync(OperationInitRequest.Create(PvaCommand.Get, sid, 10, PvRequest.Parse("field()")));
            await raw.AssertClosedByServerAsync();
        }

        Assert.Contains(logs.Lines, l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains("more than 10 operations", StringComparison.Ordinal));
        Assert.Equal(3, (await lo.Client.GetAsync("x", cancellationToken: Loopback.Deadline()))["value"].GetInt32());
    }

    [Fact]
    public async Task A_monitor_queue_size_is_clamped_to_the_limit()
    {
        using var logs = new CapturingLoggerFactory();
        var options = PvaServerOptions.Isolated() with { LoggerFactory = logs, Limits = PvaLimits.Default with { MaxMonitorQueueSize = 100 } };
        var pv = new SharedPv(Loopback.Counter(1));
        await using var lo = await Loopback.StartAsync(s => s.AddPv("x", pv), options);
        using var raw = await RawPvaClient.ConnectAsync(lo.Server.TcpPort);
        var sid = await raw.CreateChannelAsync("x");
        Assert.True((await raw.InitAsync(PvaCommand.Monitor, sid, 1, "record[queueSize=2000000000]field()")).Status.IsSuccess);
        await raw.SendAsync(MonitorRequest.Start(sid, 1));
        await raw.ReceiveAsync(PvaCommand.Monitor);

        Assert.Equal(100, Assert.Single(pv.Subscribers).QueueSize);
        Assert.Equal(1, (await lo.Client.GetAsync("x", cancellationToken: Loopback.Deadline()))["value"].GetInt32());
        Assert.Contains(logs.Lines, l => l.StartsWith("Debug", StringComparison.Ordinal) && l.Contains("queueSize 2000000000 clamped to 100", StringComparison.Ordinal));
    }

    /// <summary>Puts wait for <see cref="Gate"/>; counts how many run at once.</summary>
    private sealed class GatedPv : ServerPv
    {
        private int _running;

        public GatedPv()
            : base(null) => Open(Loopback.Counter());

        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int MostRunning { get; private set; }

        public int Started;

        protected override async ValueTask OnPutAsync(PvPutRequest request, CancellationToken cancellationToken)
        {
            var now = Interlocked.Increment(ref _running);
            Interlocked.Increment(ref Started);
            lock (Gate)
            {
                MostRunning = Math.Max(MostRunning, now);
            }

            await Gate.Task.WaitAsync(cancellationToken);
            Interlocked.Decrement(ref _running);
        }
    }

    [Fact]
    public async Task Puts_that_pile_up_in_a_slow_handler_hold_the_client_back()
    {
        using var logs = new CapturingLoggerFactory();
        var options = PvaServerOptions.Isolated() with { LoggerFactory = logs, Limits = PvaLimits.Default with { MaxRunningHandlers = 8 } };
        var slow = new GatedPv();
        await using var lo = await Loopback.StartAsync(s =>
        {
            s.AddPv("slow", slow);
            s.AddPv("x", new SharedPv(Loopback.Counter(2)));
        }, options);
        using var raw = await RawPvaClient.ConnectAsync(lo.Server.TcpPort);
        var sid = await raw.CreateChannelAsync("slow");
        var init = await raw.InitAsync(PvaCommand.Put, sid, 1);
        var value = new PvValue(init.Type!);
        value["value"].Set(1);

        var put = RawPvaClient.Encode(new PutRequest(PvaCommand.Put, sid, 1, SubCommand.Execute, value));
        var burst = new byte[put.Length * 2000];
        for (var i = 0; i < 2000; i++)
        {
            put.CopyTo(burst, i * put.Length);
        }

        await raw.SendAsync(burst);
        await WaitForLogAsync(logs, "8 put/RPC calls run");
        Assert.Equal(2, (await lo.Client.GetAsync("x", cancellationToken: Loopback.Deadline()))["value"].GetInt32());
        Assert.Equal(8, Volatile.Read(ref slow.Started));

        slow.Gate.SetResult();
        for (var i = 0; i < 2000; i++)
        {
            await raw.ReceiveAsync(PvaCommand.Put);
        }

        Assert.Equal(8, slow.MostRunning);
        Assert.Equal(2000, Volatile.Read(ref slow.Started));
    }
}
