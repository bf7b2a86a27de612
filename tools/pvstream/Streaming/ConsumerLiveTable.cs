using Epics.Streaming.Consumer;
using Spectre.Console;

namespace Pvstream.Streaming;

/// <summary>
/// The consumer's full-screen report (framework.md §13.6, the reference's curses screen): a table of the latest
/// statistics, redrawn in place a few times a second on a terminal. A report only stores the statistics, so the
/// consumer never waits for the terminal. A drawing failure or a logged error ends it for good (<see cref="IsLive"/>
/// turns false and the host prints plain reports from then on); <see cref="DisposeAsync"/> ends it and leaves the last
/// table on screen, below which the final report is printed.
/// </summary>
internal sealed class ConsumerLiveTable(IReadOnlyCollection<string> reportStats) : IAsyncDisposable
{
    private static readonly TimeSpan Refresh = TimeSpan.FromMilliseconds(250);
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private ConsumerStatistics? _latest;
    private Task? _drawing;
    private volatile bool _ended;
    private int _disposed;

    /// <summary>Whether reports still go to the table.</summary>
    public bool IsLive => !_ended;

    /// <summary>Shows <paramref name="stats"/> at the next redraw (starting the display with the first report).</summary>
    public void Show(ConsumerStatistics stats)
    {
        Volatile.Write(ref _latest, stats);
        lock (_gate)
        {
            if (_drawing is null && !_ended)
            {
                _drawing = Task.Run(DrawAsync);
            }
        }
    }

    /// <summary>Ends the display for good (a logged error: from now on reports are printed as lines).</summary>
    public void End()
    {
        _ended = true;
        if (Volatile.Read(ref _disposed) == 0)
        {
            try
            {
                _stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // disposed meanwhile: nothing left to end
            }
        }
    }

    /// <summary>The table for <paramref name="stats"/>: one row per statistic, grouped by section.</summary>
    internal static Table Build(ConsumerStatistics stats, IReadOnlyCollection<string> reportStats)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"pvstream consumer {stats.ConsumerId}: {Markup.Escape(stats.InputChannel)}");
        table.AddColumn("Section").AddColumn("Statistic").AddColumn(new TableColumn("Value").RightAligned());
        string? last = null;
        foreach (var (section, key, value) in ConsumerReport.Rows(stats, reportStats))
        {
            table.AddRow(Markup.Escape(section == last ? string.Empty : section), Markup.Escape(key), Markup.Escape(value));
            last = section;
        }

        return table;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _ended = true;
        await _stop.CancelAsync().ConfigureAwait(false);
        Task? drawing;
        lock (_gate)
        {
            drawing = _drawing;
        }

        if (drawing is not null)
        {
            await drawing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _stop.Dispose();
    }

    private async Task DrawAsync()
    {
        try
        {
            await AnsiConsole.Live(Build(_latest!, reportStats)).AutoClear(false).StartAsync(async ctx =>
            {
                ConsumerStatistics? drawn = null;
                while (!_stop.IsCancellationRequested)
                {
                    if (Volatile.Read(ref _latest) is { } latest && !ReferenceEquals(latest, drawn))
                    {
                        ctx.UpdateTarget(Build(latest, reportStats));
                        drawn = latest;
                    }

                    ctx.Refresh();
                    await Task.Delay(Refresh, _stop.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }
            }).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException)
        {
            _ended = true; // an unusable console: plain lines from now on
        }
    }
}
