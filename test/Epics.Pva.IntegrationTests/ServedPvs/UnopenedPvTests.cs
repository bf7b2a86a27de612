using Epics.Pva.Client;
using Epics.Pva.IntegrationTests.ClientServer;
using Epics.Pva.Server;

namespace Epics.Pva.IntegrationTests.ServedPvs;

/// <summary>A PV made without a type is found at once; its gets, puts, monitors and GET_FIELD wait for Open.</summary>
public sealed class UnopenedPvTests
{
    [Fact]
    public async Task A_monitor_on_an_unopened_pv_receives_the_first_value_after_Open()
    {
        var pv = new SharedPv();
        await using var lo = await Loopback.StartAsync(s => s.AddPv("x", pv));
        await using var sub = lo.Client.Subscribe("x");
        var first = sub.ReadAsync(Loopback.Deadline()).AsTask();
        await WaitUntilAsync(() => pv.HeldRequestCount == 1);
        await Task.Delay(100);
        Assert.False(first.IsCompleted);

        pv.Open(Loopback.Counter(7));
        using var update = await first.WaitAsync(Loopback.Timeout);
        Assert.Equal(7, update!.Value["value"].GetInt32());
        Assert.Equal(0, pv.HeldRequestCount);

        var next = Loopback.Counter(8);
        next.Changed.Clear();
        next["value"].Set(8);
        pv.Post(next);
        using var second = await sub.ReadAsync(Loopback.Deadline());
        Assert.Equal(8, second!.Value["value"].GetInt32());
    }

    [Fact]
    public async Task Get_and_GET_FIELD_wait_for_Open_and_complete()
    {
        var pv = new SharedPv();
        await using var lo = await Loopback.StartAsync(s => s.AddPv("x", pv));
        var get = lo.Client.GetAsync("x", cancellationToken: Loopback.Deadline());
        var info = lo.Client.GetTypeAsync("x", Loopback.Deadline());
        await WaitUntilAsync(() => pv.HeldRequestCount == 2);
        Assert.False(get.IsCompleted);
        Assert.False(info.IsCompleted);

        pv.Open(Loopback.Counter(3));
        Assert.Equal(3, (await get.WaitAsync(Loopback.Timeout))["value"].GetInt32());
        Assert.Equal("epics:nt/NTScalar:1.0", (await info.WaitAsync(Loopback.Timeout)).Id);
    }

    [Fact]
    public async Task A_put_waits_for_Open_and_is_applied()
    {
        var pv = new SharedPv();
        await using var lo = await Loopback.StartAsync(s => s.AddPv("x", pv));
        var put = lo.Client.PutValueAsync("x", "11", Loopback.Deadline());
        await WaitUntilAsync(() => pv.HeldRequestCount == 1);
        pv.Open(Loopback.Counter(1));
        await put.WaitAsync(Loopback.Timeout);
        using var now = pv.Snapshot();
        Assert.Equal(11, now["value"].GetInt32());
    }

    [Fact]
    public async Task Requests_past_the_count_bound_fail_at_once_with_a_clear_status()
    {
        var pv = new SharedPv(new ServerPvOptions { MaxHeldRequests = 2 });
        await using var lo = await Loopback.StartAsync(s => s.AddPv("x", pv));
        var held = new[] { lo.Client.GetAsync("x", cancellationToken: Loopback.Deadline()), lo.Client.GetAsync("x", cancellationToken: Loopback.Deadline()) };
        await WaitUntilAsync(() => pv.HeldRequestCount == 2);

        var e = await Assert.ThrowsAsync<PvaRemoteException>(() => lo.Client.GetAsync("x", cancellationToken: Loopback.Deadline()));
        Assert.Contains("2 requests already wait", e.Message, StringComparison.Ordinal);

        pv.Open(Loopback.Counter(5));
        foreach (var g in held)
        {
            Assert.Equal(5, (await g.WaitAsync(Loopback.Timeout))["value"].GetInt32());
        }
    }

    [Fact]
    public async Task A_held_get_fails_with_a_clear_status_after_the_time_limit()
    {
        var pv = new SharedPv(new ServerPvOptions { HeldRequestTimeout = TimeSpan.FromMilliseconds(300) });
        await using var lo = await Loopback.StartAsync(s => s.AddPv("x", pv));
        var e = await Assert.ThrowsAsync<PvaRemoteException>(() => lo.Client.GetAsync("x", cancellationToken: Loopback.Deadline()));
        Assert.Contains("not opened within 0.3 s", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, pv.HeldRequestCount);
    }

    [Fact]
    public async Task A_monitor_waits_past_the_request_time_limit_unless_its_own_limit_is_set()
    {
        var pv = new SharedPv(new ServerPvOptions { HeldRequestTimeout = TimeSpan.FromMilliseconds(100), HeldMonitorTimeout = TimeSpan.FromMilliseconds(400) });
        await using var lo = await Loopback.StartAsync(s => s.AddPv("x", pv));
        await using var sub = lo.Client.Subscribe("x");
        var read = sub.ReadAsync(Loopback.Deadline()).AsTask();
        await WaitUntilAsync(() => pv.HeldRequestCount == 1);
        await Task.Delay(200);
        Assert.Equal(1, pv.HeldRequestCount); // past the 100 ms of one-shot requests, still waiting
        var e = await Assert.ThrowsAsync<PvaRemoteException>(() => read.WaitAsync(Loopback.Timeout));
        Assert.Contains("not opened within 0.4 s", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_that_goes_away_releases_its_held_requests()
    {
        var pv = new SharedPv();
        await using var lo = await Loopback.StartAsync(s => s.AddPv("x", pv));
        var other = new PvaClient(lo.Server.CreateClientOptions());
        var sub = other.Subscribe("x");
        await WaitUntilAsync(() => pv.HeldRequestCount == 1);
        await sub.DisposeAsync();
        await WaitUntilAsync(() => pv.HeldRequestCount == 0);

        sub = other.Subscribe("x");
        await WaitUntilAsync(() => pv.HeldRequestCount == 1);
        await other.DisposeAsync();
        await WaitUntilAsync(() => pv.HeldRequestCount == 0);
    }

    internal static async Task WaitUntilAsync(Func<bool> condition, Func<string>? state = null)
    {
        var deadline = DateTime.UtcNow + Loopback.Timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"condition not met in time {state?.Invoke()}");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }
}
