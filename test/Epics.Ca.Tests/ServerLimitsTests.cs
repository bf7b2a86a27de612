using System.Net;
using System.Net.Sockets;
using Epics.Ca.Client;
using Epics.Ca.Protocol;
using Epics.Ca.Server;

namespace Epics.Ca.Tests;

/// <summary>Clients that do not read or never ask for anything cost the CA server a bounded amount, and others are served.</summary>
public sealed class ServerLimitsTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    private static byte[] Concat(params byte[][] messages) => [.. messages.SelectMany(m => m)];

    private static async Task<Socket> OpenCircuitAsync(CaServer server)
    {
        var raw = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await raw.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.TcpPort)).WaitAsync(Limit);
        return raw;
    }

    [Fact]
    public async Task A_subscriber_that_never_reads_gets_coalesced_updates_not_an_unbounded_queue()
    {
        await using var server = new CaServer(CaServerOptions.Isolated());
        var values = new double[100_000]; // 800 kB per update
        var pv = server.AddPv("t:wave", values);
        server.AddPv("t:x", 7);
        server.Start();

        using var raw = await OpenCircuitAsync(server);
        await raw.SendAsync(Concat(CaMessages.Version(), CaMessages.ClientName("slow"), CaMessages.HostName("nowhere"),
            CaMessages.CreateChannel("t:wave", 1))).WaitAsync(Limit);
        await Task.Delay(300, TestContext.Current.CancellationToken); // the channel reply carries sid 1 (the first)
        await raw.SendAsync(CaMessages.EventAdd((ushort)DbrType.Double, 0, 1, 1, 1)).WaitAsync(Limit);

        var before = GC.GetTotalMemory(forceFullCollection: true);
        for (var i = 0; i < 500; i++) // 400 MB if every update were queued
        {
            values[0] = i;
            pv.Post(values);
        }

        await Task.Delay(200, TestContext.Current.CancellationToken);
        var grown = GC.GetTotalMemory(forceFullCollection: true) - before;
        Assert.True(grown < 64L * 1024 * 1024, $"the server grew by {grown / (1024 * 1024)} MB for one slow subscriber");

        await using var client = new CaClient(LoopbackTests.ClientFor(server.UdpPort));
        var v = await client.GetAsync("t:x", TestContext.Current.CancellationToken).WaitAsync(Limit, TestContext.Current.CancellationToken);
        Assert.Equal(7, v["value"].GetDouble());
    }

    [Fact]
    public async Task A_client_that_sends_requests_but_never_reads_replies_is_throttled()
    {
        await using var server = new CaServer(CaServerOptions.Isolated() with { MaxQueuedReplyBytes = 256 * 1024 });
        server.AddPv("t:wave", new double[10_000]); // 80 kB per read reply
        server.AddPv("t:x", 3);
        server.Start();

        using var raw = await OpenCircuitAsync(server);
        raw.SendBufferSize = 4096;
        await raw.SendAsync(Concat(CaMessages.Version(), CaMessages.CreateChannel("t:wave", 1))).WaitAsync(Limit);
        await Task.Delay(300, TestContext.Current.CancellationToken);

        var before = GC.GetTotalMemory(forceFullCollection: true);
        var read = CaMessages.ReadNotify((ushort)DbrType.Double, 0, 1, 9);
        var burst = Enumerable.Repeat(read, 2000).SelectMany(b => b).ToArray(); // 160 MB of replies if all were queued
        using var sending = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        try
        {
            // The server stops reading once its reply queue is full, so this send stalls instead of completing.
            await raw.SendAsync(burst, SocketFlags.None, sending.Token);
        }
        catch (OperationCanceledException)
        {
        }

        var grown = GC.GetTotalMemory(forceFullCollection: true) - before;
        Assert.True(grown < 64L * 1024 * 1024, $"the server grew by {grown / (1024 * 1024)} MB");

        await using var client = new CaClient(LoopbackTests.ClientFor(server.UdpPort));
        var v = await client.GetAsync("t:x", TestContext.Current.CancellationToken).WaitAsync(Limit, TestContext.Current.CancellationToken);
        Assert.Equal(3, v["value"].GetDouble());
    }

    [Fact]
    public async Task A_circuit_with_no_channel_that_stays_silent_is_closed()
    {
        await using var server = new CaServer(CaServerOptions.Isolated() with { IdleTimeout = TimeSpan.FromMilliseconds(500) });
        server.AddPv("t:x", 1);
        server.Start();

        using var idle = await OpenCircuitAsync(server);
        using var busy = await OpenCircuitAsync(server);
        await busy.SendAsync(Concat(CaMessages.Version(), CaMessages.CreateChannel("t:x", 1))).WaitAsync(Limit);

        var buffer = new byte[4096];
        var closed = false;
        var deadline = DateTime.UtcNow + Limit;
        while (!closed && DateTime.UtcNow < deadline)
        {
            closed = await idle.ReceiveAsync(buffer).WaitAsync(Limit) == 0;
        }

        Assert.True(closed);
        await Task.Delay(1000, TestContext.Current.CancellationToken);
        Assert.Equal(1, server.CircuitCount); // the one with a channel stays
    }
}
