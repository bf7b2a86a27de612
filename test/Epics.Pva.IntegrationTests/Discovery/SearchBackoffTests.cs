using System.Net;
using System.Net.Sockets;
using Epics.Pva.Transport.Discovery;
using Microsoft.Extensions.Time.Testing;

namespace Epics.Pva.IntegrationTests.Discovery;

/// <summary>Search timing on a fake clock: immediate first search, then 1, 2, 4, ... s capped at 30 s.</summary>
public class SearchBackoffTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    // Waits for a send, then gives the search loop a moment to arm its next timer before the clock moves again.
    private static async Task WaitForAsync(Func<bool> condition)
    {
        using var cts = new CancellationTokenSource(Timeout);
        while (!condition())
        {
            await Task.Delay(5, cts.Token);
        }

        await Task.Delay(50, cts.Token);
    }

    // Moves the clock in small steps until a send happens (the loop may not have armed its timer yet).
    private static async Task NudgeUntilAsync(FakeTimeProvider time, Func<bool> condition)
    {
        using var cts = new CancellationTokenSource(Timeout);
        while (!condition())
        {
            time.Advance(TimeSpan.FromMilliseconds(10));
            await Task.Delay(5, cts.Token);
        }

        await Task.Delay(50, cts.Token);
    }

    private static async Task AssertStaysAsync(ChannelSearcher searcher, long count)
    {
        await Task.Delay(150, TestContext.Current.CancellationToken);
        Assert.Equal(count, searcher.DatagramsSent);
    }

    [Fact]
    public async Task Unresolved_names_back_off_from_1_s_doubling_to_30_s_and_SearchNow_restarts()
    {
        // A sink that never answers.
        using var sink = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)sink.Client.LocalEndPoint!).Port;
        var time = new FakeTimeProvider();
        var options = new PvaClientOptions
        {
            AddressList = [$"127.0.0.1:{port}"],
            AutoAddressList = false,
            BroadcastPort = 0,
            TimeProvider = time,
        };
        await using var searcher = new ChannelSearcher(options);
        searcher.Register(1, "never:found", _ => { });

        // The first search goes out at once (after the short batching pause).
        await NudgeUntilAsync(time, () => searcher.DatagramsSent > 0);

        Assert.Equal(1, searcher.DatagramsSent);
        var expected = 1L;
        foreach (var seconds in new[] { 1, 2, 4, 8, 16, 30, 30 })
        {
            time.Advance(TimeSpan.FromSeconds(seconds) - TimeSpan.FromMilliseconds(50));
            await AssertStaysAsync(searcher, expected);
            time.Advance(TimeSpan.FromMilliseconds(50));
            expected++;
            await WaitForAsync(() => searcher.DatagramsSent == expected);
        }

        // A new server: search at once, then 1 s later again.
        searcher.SearchNow();
        expected++;
        await NudgeUntilAsync(time, () => searcher.DatagramsSent == expected);
        time.Advance(TimeSpan.FromSeconds(1));
        expected++;
        await WaitForAsync(() => searcher.DatagramsSent == expected);
    }
}
