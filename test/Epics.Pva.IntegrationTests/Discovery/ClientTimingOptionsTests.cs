using System.Net;
using System.Net.Sockets;
using Epics.Pva.Transport.Discovery;
using Microsoft.Extensions.Time.Testing;

namespace Epics.Pva.IntegrationTests.Discovery;

/// <summary>The client's timings are options: their defaults are the former fixed values, and other values are used.</summary>
public class ClientTimingOptionsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public void Defaults_are_the_former_fixed_timings()
    {
        var o = PvaClientOptions.FromDictionary(new Dictionary<string, string>());
        Assert.Equal(TimeSpan.FromSeconds(5), o.ConnectTimeout);
        Assert.Equal(TimeSpan.FromSeconds(5), o.HandshakeTimeout);
        Assert.Equal(TimeSpan.FromSeconds(15), o.EchoPeriod);
        Assert.Equal(TimeSpan.FromSeconds(10), o.CreateChannelTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2), o.ChannelRetryDelay);
        Assert.Equal(TimeSpan.FromSeconds(1), o.SearchFirstInterval);
        Assert.Equal(TimeSpan.FromSeconds(30), o.SearchMaxInterval);
        Assert.Equal(TimeSpan.FromSeconds(1), o.BeaconSearchHoldOff);
        Assert.Equal(TimeSpan.FromSeconds(10), o.NameServerConnectTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2), o.NameServerReconnectDelay);
        Assert.Equal(TimeSpan.FromSeconds(30), o.NameServerMaxReconnectDelay);
    }

    [Fact]
    public async Task Search_intervals_follow_the_options()
    {
        using var sink = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)sink.Client.LocalEndPoint!).Port;
        var time = new FakeTimeProvider();
        var options = new PvaClientOptions
        {
            AddressList = [$"127.0.0.1:{port}"],
            AutoAddressList = false,
            BroadcastPort = 0,
            TimeProvider = time,
            SearchFirstInterval = TimeSpan.FromSeconds(3),
            SearchMaxInterval = TimeSpan.FromSeconds(5),
        };
        await using var searcher = new ChannelSearcher(options);
        searcher.Register(1, "never:found", _ => { });
        using var cts = new CancellationTokenSource(Timeout);
        while (searcher.DatagramsSent == 0)
        {
            time.Advance(TimeSpan.FromMilliseconds(10));
            await Task.Delay(5, cts.Token);
        }

        await Task.Delay(50, cts.Token);
        var expected = 1L;
        foreach (var seconds in new[] { 3, 5, 5 })
        {
            time.Advance(TimeSpan.FromSeconds(seconds) - TimeSpan.FromMilliseconds(50));
            await Task.Delay(150, cts.Token);
            Assert.Equal(expected, searcher.DatagramsSent);
            time.Advance(TimeSpan.FromMilliseconds(50));
            expected++;
            while (searcher.DatagramsSent != expected)
            {
                await Task.Delay(5, cts.Token);
            }

            await Task.Delay(50, cts.Token);
        }
    }
}
