using Epics.Pva.Data.NT;

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
}
