using Epics.Ca.Client;
using Epics.Ca.Server;

namespace Epics.Ca.Tests;

/// <summary>A subscription made while the PV is being posted to sees its values in order, from its first one on.</summary>
public sealed class ServerOrderingTests
{
    [Fact]
    public async Task Monitor_started_during_posts_sees_values_in_order()
    {
        await using var server = new CaServer(CaServerOptions.Isolated());
        server.Start();
        var pv = server.AddPv("t:fast", 0);
        using var stop = new CancellationTokenSource();
        var producer = Task.Run(async () =>
        {
            for (var i = 1; !stop.IsCancellationRequested; i++)
            {
                pv.Post(i);
                if (i % 50 == 0)
                {
                    await Task.Delay(1);
                }
            }
        });

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await using var client = new CaClient(LoopbackTests.ClientFor(server.UdpPort));
        var last = double.MinValue;
        var count = 0;
        await foreach (var v in client.MonitorAsync("t:fast", cts.Token))
        {
            var x = v["value"].GetDouble();
            Assert.True(x > last, $"{x} after {last}");
            last = x;
            if (++count == 200)
            {
                break;
            }
        }

        await stop.CancelAsync();
        await producer.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Disposing_a_server_twice_is_harmless()
    {
        var server = new CaServer(CaServerOptions.Isolated());
        server.Start();
        await server.DisposeAsync();
        await server.DisposeAsync();
    }
}
