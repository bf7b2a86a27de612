using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Pvstream.Workflows;

/// <summary>What the runner shows while a workflow runs and at its end.</summary>
internal interface IWorkflowDashboard : IAsyncDisposable
{
    /// <summary>An event: a process starting, failing, restarting; the run stopping.</summary>
    void Message(string text);

    /// <summary>The latest figures of every process.</summary>
    void Update(IReadOnlyList<StageProcess> processes, TimeSpan elapsed);

    /// <summary>The final statistics and the verdict.</summary>
    void Final(IReadOnlyList<FinalFigures> finals, IReadOnlyList<string> verdict, string runFolder);
}

/// <summary>Shared rendering: the live table and the final table.</summary>
internal static class DashboardTables
{
    public static Table Live(IReadOnlyList<StageProcess> processes, TimeSpan elapsed)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .Title(string.Create(CultureInfo.InvariantCulture, $"pvstream run: {elapsed.TotalSeconds:0} s"))
            .AddColumns("Stage", "State", "Received", "Processed", "Rate/s", "Queued", "Missed", "Rejected", "Overruns", "Errors", "CPU %", "Restarts");
        foreach (var p in processes)
        {
            var live = p.Live;
            var state = p.Failure is not null ? "[red]failed[/]" : p.Process is null ? "-" : p.Process.HasExited ? $"exited {p.Process.ExitCode}" : "[green]running[/]";
            var cpu = p.Process is { HasExited: false } proc ? Cpu(proc) : "";
            table.AddRow(
                Markup.Escape(p.Label), state, N(live.Received, live.Known), N(live.Processed, live.Known), live.Known ? live.Rate.ToString("0", CultureInfo.InvariantCulture) : "",
                N(live.Queued, live.Known), Bad(live.Missed), Bad(live.Rejected), Bad(live.Overruns), Bad(live.Errors), cpu, p.Restarts.ToString(CultureInfo.InvariantCulture));
        }

        return table;
    }

    public static Table Final(IReadOnlyList<FinalFigures> finals)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("Final statistics")
            .AddColumns("Stage", "Command", "Exit", "Published", "Received", "Processed", "Missed", "Rejected", "Overruns", "Errors", "Restarts");
        foreach (var f in finals)
        {
            table.AddRow(Markup.Escape(f.Label), f.Type, f.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "-", N(f.Published, true), N(f.Received, true),
                N(f.Processed, true), Bad(f.Missed), Bad(f.Rejected), Bad(f.Overruns), Bad(f.Errors), f.Restarts.ToString(CultureInfo.InvariantCulture));
        }

        return table;
    }

    /// <summary>The final statistics as plain aligned text (for logs and pipes).</summary>
    public static string FinalText(IReadOnlyList<FinalFigures> finals)
    {
        var rows = new List<string[]> { new[] { "Stage", "Command", "Exit", "Published", "Received", "Processed", "Missed", "Rejected", "Overruns", "Errors", "Restarts" } };
        rows.AddRange(finals.Select(f => new[]
        {
            f.Label, f.Type, f.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "-", I(f.Published), I(f.Received), I(f.Processed), I(f.Missed), I(f.Rejected),
            I(f.Overruns), I(f.Errors), I(f.Restarts),
        }));
        var widths = Enumerable.Range(0, rows[0].Length).Select(i => rows.Max(r => r[i].Length)).ToArray();
        return string.Join('\n', rows.Select(r => string.Join("  ", r.Select((c, i) => i < 2 ? c.PadRight(widths[i]) : c.PadLeft(widths[i])))));
    }

    private static string I(long n) => n.ToString(CultureInfo.InvariantCulture);

    private static string N(long n, bool known) => known ? n.ToString("#,0", CultureInfo.InvariantCulture) : "";

    private static string Bad(long n) => n > 0 ? $"[red]{n.ToString("#,0", CultureInfo.InvariantCulture)}[/]" : "0";

    private static string Cpu(Pvstream.Streaming.ChildProcess p)
    {
        var (cpu, _) = p.Sample();
        return cpu.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";
    }
}

/// <summary>Plain lines (logs, pipes, CI): events as they happen, a status line per process every report period.</summary>
internal sealed class PlainDashboard(TextWriter output, TimeSpan reportPeriod) : IWorkflowDashboard
{
    private TimeSpan? _lastReport;

    public void Message(string text) => output.WriteLine(text);

    public void Update(IReadOnlyList<StageProcess> processes, TimeSpan elapsed)
    {
        if (reportPeriod <= TimeSpan.Zero || (_lastReport is { } last && elapsed - last < reportPeriod))
        {
            return;
        }

        _lastReport = elapsed;
        foreach (var p in processes)
        {
            var l = p.Live;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[{elapsed.TotalSeconds,5:0}s] {p.Label}: {(!l.Known ? "no status" : p.Spec.Stage.Type == StageType.AdSimServer ? $"published {l.Processed}" : l.Known ? $"received {l.Received}, processed {l.Processed} ({l.Rate:0}/s), queued {l.Queued}, missed {l.Missed}, rejected {l.Rejected}, overruns {l.Overruns}, errors {l.Errors}" : "no status")}{(p.Restarts > 0 ? $", restarts {p.Restarts}" : "")}"));
        }
    }

    public void Final(IReadOnlyList<FinalFigures> finals, IReadOnlyList<string> verdict, string runFolder)
    {
        output.WriteLine();
        output.WriteLine(DashboardTables.FinalText(finals));
        output.WriteLine();
        foreach (var line in verdict)
        {
            output.WriteLine(line);
        }

        output.WriteLine($"Run folder (logs, statistics.json, files written by the stages): {runFolder}");
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>The live terminal dashboard: one table of every process, refreshed in place, with the latest events below.</summary>
internal sealed class LiveDashboard : IWorkflowDashboard
{
    private readonly Lock _gate = new();
    private readonly List<string> _events = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _display;
    private IRenderable _table = new Text("starting...");

    public LiveDashboard()
    {
        _display = AnsiConsole.Live(Layout()).AutoClear(false).StartAsync(async ctx =>
        {
            while (!_stop.IsCancellationRequested)
            {
                ctx.UpdateTarget(Layout());
                await Task.Delay(250, CancellationToken.None).ConfigureAwait(false);
            }

            ctx.UpdateTarget(Layout());
        });
    }

    public void Message(string text)
    {
        lock (_gate)
        {
            _events.Add(text);
            if (_events.Count > 8)
            {
                _events.RemoveAt(0);
            }
        }
    }

    public void Update(IReadOnlyList<StageProcess> processes, TimeSpan elapsed)
    {
        var table = DashboardTables.Live(processes, elapsed);
        lock (_gate)
        {
            _table = table;
        }
    }

    public void Final(IReadOnlyList<FinalFigures> finals, IReadOnlyList<string> verdict, string runFolder)
    {
        _stop.Cancel();
        _display.Wait(TimeSpan.FromSeconds(5));
        AnsiConsole.Write(DashboardTables.Final(finals));
        foreach (var line in verdict)
        {
            AnsiConsole.MarkupLine(line.StartsWith("VERDICT: every", StringComparison.Ordinal) ? $"[green]{Markup.Escape(line)}[/]"
                : line.StartsWith("VERDICT", StringComparison.Ordinal) || line.StartsWith("LOST", StringComparison.Ordinal) || line.StartsWith("FAILED", StringComparison.Ordinal)
                    ? $"[red]{Markup.Escape(line)}[/]" : Markup.Escape(line));
        }

        AnsiConsole.MarkupLine($"Run folder (logs, statistics.json, files written by the stages): [blue]{Markup.Escape(runFolder)}[/]");
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _display.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private Rows Layout()
    {
        lock (_gate)
        {
            return new Rows([_table, .. _events.Select(e => new Text(e))]);
        }
    }
}
