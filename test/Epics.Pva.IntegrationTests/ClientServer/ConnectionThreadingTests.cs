using System.Runtime.InteropServices;
using Epics.Pva.Client;
using Epics.Pva.Data;
using Epics.Pva.Data.NT;
using Epics.Pva.Server;

namespace Epics.Pva.IntegrationTests.ClientServer;

/// <summary>
/// The two ways a connection may run its socket (<see cref="PvaServerOptions.DedicatedThreads"/>,
/// <see cref="PvaClientOptions.DedicatedThreads"/>): blocking calls on threads of its own, or async calls on the pool,
/// in every pairing. Frames, small messages, gets and a close all work the same.
/// </summary>
public sealed class ConnectionThreadingTests
{
    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(false, false)]
    public async Task Frames_gets_and_closing_work_with_either_socket_model_on_either_side(bool serverThreads, bool clientThreads)
    {
        var frame = NTNDArray.Create();
        var pv = new SharedPv(frame.Structure);
        var counter = new SharedPv(Loopback.Counter(3));
        var server = new PvaServer(PvaServerOptions.Isolated() with { DedicatedThreads = serverThreads });
        server.AddPv("frames", pv);
        server.AddPv("counter", counter);
        await server.StartAsync().WaitAsync(Loopback.Timeout);
        await using (server)
        {
            var client = new PvaClient(server.CreateClientOptions() with { DedicatedThreads = clientThreads });
            await using (client)
            {
                await using var sub = client.Subscribe("frames", "record[queueSize=4,pipeline=true]field()");
                using (await sub.ReadAsync(Loopback.Deadline()))
                {
                }

                var deadline = Loopback.Deadline();
                for (var id = 1; id <= 6; id++)
                {
                    await pv.WaitForRoomAsync(deadline);
                    var side = id % 2 == 0 ? 1024 : 16; // large frames (read into their own buffer) and small ones in turn
                    var bytes = new byte[side * side];
                    MemoryMarshal.Write(bytes, id);
                    frame.SetImage(PvArray.Wrap(bytes));
                    frame.SetDimensions(side, side);
                    frame.UniqueId = id;
                    pv.Post(frame.Structure);
                    frame.Structure.Changed.Clear();

                    using var update = await sub.ReadAsync(deadline);
                    var received = new NTNDArray(update!.Value);
                    Assert.Equal(id, received.UniqueId);
                    Assert.Equal(side * side, received.Image.ByteLength);
                    Assert.Equal(id, MemoryMarshal.Read<int>(received.Image.Bytes));
                    using var got = await client.GetAsync("counter", cancellationToken: deadline);
                    Assert.Equal(3, got["value"].GetInt32());
                }
            }
        }
    }

    [Fact]
    public async Task A_blocking_client_gives_up_connecting_to_a_server_that_never_answers_within_its_timeout()
    {
        // A listening socket that never accepts: the TCP handshake completes (backlog), the PVA handshake never comes.
        using var listener = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        listener.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        listener.Listen(1);
        var port = ((System.Net.IPEndPoint)listener.LocalEndPoint!).Port;
        var options = PvaClientOptions.Default with
        {
            DedicatedThreads = true,
            AddressList = [],
            AutoAddressList = false,
            NameServers = [$"127.0.0.1:{port}"],
            ConnectTimeout = TimeSpan.FromSeconds(1),
            HandshakeTimeout = TimeSpan.FromSeconds(1),
        };
        await using var client = new PvaClient(options);
        var started = DateTime.UtcNow;
        await Assert.ThrowsAnyAsync<Exception>(() => client.GetAsync("nothing", cancellationToken: new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(15));
    }
}
