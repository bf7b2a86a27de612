using System.Diagnostics;
using Epics.Pva.Data;
using Epics.Pva.Protocol;
using Epics.Pva.Protocol.Messages;
using Epics.Pva.Server;

namespace Epics.Pva.IntegrationTests.ClientServer;

/// <summary>
/// Many monitors on one connection cost the server time in proportion to their number: creating, starting and
/// destroying 20,000 takes about 20 times as long as 1,000, not 400 times (the bookkeeping is incremental).
/// </summary>
public class ManyMonitorsTests
{
    // Sends INIT + START of `count` monitors, then their DESTROY_REQUESTs, then an ECHO, in one stream; returns the
    // time until the echo comes back (the server handles a connection's requests in order).
    private static async Task<TimeSpan> CreateAndDestroyAsync(int port, int count)
    {
        using var raw = await RawPvaClient.ConnectAsync(port);
        var sid = await raw.CreateChannelAsync("x");
        var request = PvRequest.Parse("field()");
        using var stream = new MemoryStream();
        for (var i = 1u; i <= count; i++)
        {
            stream.Write(RawPvaClient.Encode(OperationInitRequest.Create(PvaCommand.Monitor, sid, i, request)));
            stream.Write(RawPvaClient.Encode(MonitorRequest.Start(sid, i)));
        }

        for (var i = 1u; i <= count; i++)
        {
            stream.Write(RawPvaClient.Encode(new DestroyRequestMessage(sid, i)));
        }

        stream.Write(RawPvaClient.Encode(PvaCommand.Echo, w => w.WriteUInt32(0xEC40)));

        var clock = Stopwatch.StartNew();
        var echo = raw.ReceiveAsync(PvaCommand.Echo);
        await raw.SendAsync(stream.ToArray());
        Assert.Equal(4, (await echo).Length);
        return clock.Elapsed;
    }

    [Fact]
    public async Task Twenty_thousand_monitors_cost_about_twenty_times_one_thousand()
    {
        var pv = new SharedPv(Loopback.Counter(1));
        await using var lo = await Loopback.StartAsync(s => s.AddPv("x", pv));
        await CreateAndDestroyAsync(lo.Server.TcpPort, 1000); // warm-up (JIT, pools)

        var small = await CreateAndDestroyAsync(lo.Server.TcpPort, 1000);
        var large = await CreateAndDestroyAsync(lo.Server.TcpPort, 20_000);

        // Linear work gives a ratio near 20, quadratic near 400; 100 leaves room for a loaded machine. The 1,000 run is
        // counted as at least 20 ms so that a very fast one does not make the bound tighter than that.
        var ratio = large.TotalMilliseconds / Math.Max(small.TotalMilliseconds, 20);
        Assert.True(ratio < 100, $"1,000 monitors took {small.TotalMilliseconds:F0} ms, 20,000 took {large.TotalMilliseconds:F0} ms");
        Assert.Equal(0, pv.SubscriberCount);
        Assert.Equal(1, (await lo.Client.GetAsync("x", cancellationToken: Loopback.Deadline()))["value"].GetInt32());
    }
}
