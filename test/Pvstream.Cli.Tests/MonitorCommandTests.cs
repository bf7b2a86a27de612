using Epics.Pva;
using Epics.Pva.Data.NT;
using Epics.Pva.Server;

namespace Pvstream.Cli.Tests;

public class MonitorCommandTests
{
    [Fact]
    public async Task Monitor_prints_updates_and_exits_after_the_count()
    {
        var pv = Pvs.Double(0);
        await using var s = await TestServer.StartAsync(("t:ai", pv));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var posting = Task.Run(async () =>
        {
            // Keep posting until the monitor has had enough; the first update is the current value.
            for (var i = 1; !cts.IsCancellationRequested; i++)
            {
                await Task.Delay(100, cts.Token);
                var nt = NTScalar.Create(Epics.Pva.Data.ScalarType.Double);
                nt.Structure.Changed.Clear();
                nt.Value = i;
                pv.Post(nt.Structure);
            }
        });
        var r = await s.RunAsync("monitor", "-#", "3", "t:ai");
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => posting.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.All(lines, l => Assert.Matches(@"^t:ai <undefined>              \d+ $", l));
        var values = lines.Select(l => int.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(values.Order().ToArray(), values);
    }

    [Fact]
    public async Task Monitor_delta_mode_prints_only_changed_fields_after_the_first()
    {
        var pv = Pvs.Double(0);
        await using var s = await TestServer.StartAsync(("t:ai", pv));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var posting = Task.Run(async () =>
        {
            for (var i = 1; !cts.IsCancellationRequested; i++)
            {
                await Task.Delay(100, cts.Token);
                var nt = NTScalar.Create(Epics.Pva.Data.ScalarType.Double);
                nt.Structure.Changed.Clear();
                nt.Value = i;
                pv.Post(nt.Structure);
            }
        });
        var r = await s.RunAsync("monitor", "-M", "delta", "-#", "2", "t:ai");
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => posting.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(r.ExitCode == 0, r.ToString());
        var blocks = r.Stdout.Split("t:ai\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, blocks.Length);
        Assert.StartsWith("    struct \"epics:nt/NTScalar:1.0\"\n", blocks[0]);
        Assert.Matches(@"^    value double = \d+\n$", blocks[1]);
    }

    [Fact]
    public async Task Monitor_of_an_unknown_channel_times_out()
    {
        await using var s = await TestServer.StartAsync(("t:ai", Pvs.Double(1)));
        var r = await s.RunAsync("monitor", "-w", "0.5", "no:such:pv");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("not found", Assert.Single(r.ErrorLines));
    }

    [Fact]
    public async Task Monitor_with_a_refused_request_exits_1()
    {
        await using var s = await TestServer.StartAsync(("t:ai", Pvs.Double(1)));
        var r = await s.RunAsync("monitor", "-r", "field(nonexistent)", "t:ai");
        Assert.Equal(1, r.ExitCode);
        Assert.Single(r.ErrorLines);
    }

    [Fact]
    public async Task Monitor_waits_for_a_channel_and_reports_when_its_server_goes_and_comes_back()
    {
        // Ports of a server that is not there yet: taken from one that is started and stopped at once.
        var probe = new PvaServer(PvaServerOptions.Isolated());
        await probe.StartAsync().WaitAsync(TimeSpan.FromSeconds(10));
        var options = probe.Options with { ServerPort = probe.TcpPort, BroadcastPort = probe.UdpPort };
        var environment = new Dictionary<string, string>
        {
            ["EPICS_PVA_ADDR_LIST"] = $"127.0.0.1:{probe.UdpPort}",
            ["EPICS_PVA_AUTO_ADDR_LIST"] = "NO",
            ["EPICS_PVA_BROADCAST_PORT"] = probe.UdpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        await probe.DisposeAsync();

        using var monitor = RunningTool.Start(environment, "monitor", "t:x");
        await Task.Delay(TimeSpan.FromSeconds(1.5), TestContext.Current.CancellationToken);
        Assert.False(monitor.HasExited, monitor.Transcript);

        var first = new PvaServer(options);
        first.AddPv("t:x", Pvs.Double(1));
        await first.StartAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Matches(@" 1 *$", await monitor.StdoutLineAsync(l => l.StartsWith("t:x ", StringComparison.Ordinal), TimeSpan.FromSeconds(20)));

        await first.DisposeAsync();
        Assert.Equal("t:x *** disconnected", await monitor.StderrLineAsync(_ => true, TimeSpan.FromSeconds(10)));

        await using var second = new PvaServer(options);
        second.AddPv("t:x", Pvs.Double(2));
        await second.StartAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.StartsWith("t:x *** reconnected to 127.0.0.1:", await monitor.StderrLineAsync(_ => true, TimeSpan.FromSeconds(20)));
        Assert.Matches(@" 2 *$", await monitor.StdoutLineAsync(l => l.StartsWith("t:x ", StringComparison.Ordinal), TimeSpan.FromSeconds(10)));
        Assert.False(monitor.HasExited, monitor.Transcript);
    }

    [Fact]
    public async Task Monitor_of_an_ndarray_says_how_many_uniqueIds_it_did_not_receive()
    {
        var pv = Pvs.Image(4, 2);
        await using var s = await TestServer.StartAsync(("t:img", pv));
        using var monitor = RunningTool.Start(s.Environment, "monitor", "-#", "2", "-r", "field(uniqueId)", "t:img");
        await monitor.StdoutLineAsync(l => l.Contains("uniqueId", StringComparison.Ordinal), TimeSpan.FromSeconds(20));

        var frame = NTNDArray.Create();
        frame.Structure.Changed.Clear();
        frame.UniqueId = 12; // the first frame was 7: 8 to 11 never came
        pv.Post(frame.Structure);
        Assert.Equal("t:img *** overrun: 4 uniqueIds skipped", await monitor.StderrLineAsync(_ => true, TimeSpan.FromSeconds(20)));
        Assert.Equal(0, await monitor.WaitForExitAsync(TimeSpan.FromSeconds(20)));
    }
}
