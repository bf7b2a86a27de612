using System.Net;
using System.Net.Sockets;
using Epics.Ca.Client;
using Epics.Ca.Protocol;
using Epics.Ca.Server;
using Epics.Ca.Transport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Epics.Ca.Tests;

/// <summary>Repeater registration and beacon-triggered re-search, against a fake caRepeater on an ephemeral port.</summary>
public sealed class RepeaterTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    // REPEATER_REGISTER as libca builds it: command 24, everything zero but p2 = 127.0.0.1 (INADDR_LOOPBACK).
    private static readonly byte[] Registration = Convert.FromHexString("0018000000000000000000007f000001");

    [Fact]
    public void Registration_and_confirm_messages_have_the_libca_bytes()
    {
        Assert.Equal("0018000000000000000000007F000001", Convert.ToHexString(CaMessages.RepeaterRegister(0x7F000001)));
        Assert.Equal(Registration, CaMessages.RepeaterRegister(0x7F000001));
        Assert.Equal("0011000000000000000000007F000001", Convert.ToHexString(CaMessages.RepeaterConfirm(0x7F000001)));
    }

    [Fact]
    public async Task Search_engine_retries_registration_until_confirmed_then_stops()
    {
        var ct = TestContext.Current.CancellationToken;
        using var repeater = Bind();
        using var engine = new SearchEngine([], TimeSpan.FromSeconds(5), (_, _) => { }, NullLogger.Instance,
            (IPEndPoint)repeater.LocalEndPoint!, TimeSpan.FromMilliseconds(200));
        using var stop = new CancellationTokenSource();
        var run = engine.RunAsync(stop.Token);

        var first = await ReceiveAsync(repeater, ct);
        Assert.Equal(Registration, first.Bytes);
        Assert.Equal(engine.LocalEndPoint.Port, first.From.Port);
        Assert.False(engine.Registered.IsCompleted);

        // Ignore the first attempt: a second must follow, which we confirm.
        var second = await ReceiveAsync(repeater, ct);
        Assert.Equal(Registration, second.Bytes);
        await repeater.SendToAsync(CaMessages.RepeaterConfirm(0x7F000001), SocketFlags.None, second.From, ct);
        await engine.Registered.WaitAsync(Limit, ct);

        // Confirmed: no further attempts.
        using var quiet = CancellationTokenSource.CreateLinkedTokenSource(ct);
        quiet.CancelAfter(TimeSpan.FromMilliseconds(800));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ReceiveAsync(repeater, quiet.Token));

        await stop.CancelAsync();
        await run.WaitAsync(Limit, ct);
    }

    [Fact]
    public async Task Beacon_forwarded_by_the_repeater_makes_a_searching_client_find_a_new_server_at_once()
    {
        var ct = TestContext.Current.CancellationToken;
        using var repeater = Bind();
        var udpPort = FreeUdpPort();
        var options = LoopbackTests.ClientFor(udpPort) with
        {
            RepeaterPort = ((IPEndPoint)repeater.LocalEndPoint!).Port,
            MaxSearchInterval = TimeSpan.FromSeconds(60),
            ConnectTimeout = TimeSpan.FromSeconds(30),
        };
        await using var client = new CaClient(options);

        var registration = await ReceiveAsync(repeater, ct);
        Assert.Equal(Registration, registration.Bytes);
        await repeater.SendToAsync(CaMessages.RepeaterConfirm(0x7F000001), SocketFlags.None, registration.From, ct);

        // Searches go out at 0, 50, 150, 350, 750, 1550, 3150 ms, then not before 6350 ms.
        var connect = client.ConnectAsync("rep:x", ct);
        await Task.Delay(TimeSpan.FromMilliseconds(3400), ct);

        await using var server = new CaServer(CaServerOptions.Isolated() with { UdpPort = udpPort });
        server.Start();
        server.AddPv("rep:x", 7.5);
        await Task.Delay(TimeSpan.FromMilliseconds(700), ct);
        Assert.False(connect.IsCompleted, "the client found the server without a beacon; the test proves nothing");

        // The repeater forwards the server's beacon with the server's address filled in.
        var beacon = CaMessages.Beacon((ushort)server.TcpPort, 0, 0x7F000001);
        await repeater.SendToAsync(beacon, SocketFlags.None, registration.From, ct);
        var info = await connect.WaitAsync(TimeSpan.FromMilliseconds(1500), ct);
        Assert.Equal(server.TcpPort, info.Server.Port);

        // The same server's next beacon is not an anomaly; a sequence going back (restart) is, and must not break anything.
        await repeater.SendToAsync(CaMessages.Beacon((ushort)server.TcpPort, 1, 0x7F000001), SocketFlags.None, registration.From, ct);
        Assert.Equal(7.5, (await client.GetAsync("rep:x", ct).WaitAsync(Limit, ct))["value"].GetDouble());
    }

    [Fact]
    public async Task Client_without_repeater_still_gets_quickly()
    {
        var ct = TestContext.Current.CancellationToken;
        using var silent = Bind(); // nobody answers registrations here
        await using var server = new CaServer(CaServerOptions.Isolated());
        server.Start();
        server.AddPv("rep:y", 1.25);
        await using var client = new CaClient(LoopbackTests.ClientFor(server.UdpPort) with { RepeaterPort = ((IPEndPoint)silent.LocalEndPoint!).Port });
        var started = Environment.TickCount64;
        Assert.Equal(1.25, (await client.GetAsync("rep:y", ct).WaitAsync(Limit, ct))["value"].GetDouble());
        Assert.True(Environment.TickCount64 - started < 3000, "a missing repeater slowed the get down");
    }

    private static Socket Bind()
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return s;
    }

    private static int FreeUdpPort()
    {
        using var s = Bind();
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    private static async Task<(byte[] Bytes, IPEndPoint From)> ReceiveAsync(Socket socket, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Limit);
        var buffer = new byte[1500];
        var r = await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), timeout.Token);
        return (buffer[..r.ReceivedBytes], (IPEndPoint)r.RemoteEndPoint);
    }
}
