using System.Collections.Concurrent;
using Spectre.Console;

namespace Pvstream.Streaming;

/// <summary>
/// Prints a streaming command's lines off the hot path: a report only queues its line. With the live display (no
/// <c>-dc</c> and a real terminal) each refresh shows just the latest report on one line, like the reference's curses
/// screen, cut to the terminal's width so that it never wraps; otherwise every report is written, in batches. A plain
/// line (startup, shutdown) first ends the live display, so it is never written into the live line.
/// </summary>
internal sealed class LiveReporter : IAsyncDisposable
{
    private readonly TextWriter _output;
    private readonly bool _live;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private string? _latest;
    private bool _liveBroken;
    private Task? _liveTask;
    private CancellationTokenSource? _liveStop;
    private Task? _drainTask;
    private int _disposed;

    public LiveReporter(TextWriter output, bool live)
    {
        _output = output;
        _live = live && !Console.IsOutputRedirected && ReferenceEquals(output, Console.Out);
    }

    /// <summary>Writes a line now, below the live line if one is shown (which is ended first).</summary>
    public void WriteLine(string line)
    {
        lock (_gate)
        {
            EndLive();
            Drain(); // keep report lines in order with this one
            _output.WriteLine(line);
            _output.Flush();
        }
    }

    /// <summary>
    /// Queues a report line (cheap; called from the publisher). <paramref name="compact"/> is shown instead on the live
    /// line when <paramref name="line"/> is wider than the terminal.
    /// </summary>
    public void Report(string line, string? compact = null)
    {
        if (_live && !Volatile.Read(ref _liveBroken))
        {
            Volatile.Write(ref _latest, Fit(line, compact, TerminalWidth()));
            if (Volatile.Read(ref _liveTask) is null)
            {
                lock (_gate)
                {
                    if (_liveTask is null && _disposed == 0)
                    {
                        _liveStop = new CancellationTokenSource();
                        var token = _liveStop.Token;
                        _liveTask = Task.Run(() => LiveAsync(token));
                    }
                }
            }

            return;
        }

        _lines.Enqueue(line);
        if (Volatile.Read(ref _drainTask) is null)
        {
            lock (_gate)
            {
                _drainTask ??= Task.Run(DrainAsync);
            }
        }
    }

    /// <summary>The line to show in <paramref name="width"/> columns without wrapping (one column is left for the cursor).</summary>
    internal static string Fit(string line, string? compact, int width)
    {
        var max = Math.Max(1, width - 1);
        if (line.Length <= max)
        {
            return line;
        }

        var shorter = compact ?? line;
        return shorter.Length <= max ? shorter : shorter[..max];
    }

    /// <summary>Ends the live display (or flushes the queued lines).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        lock (_gate)
        {
            EndLive();
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        if (_drainTask is not null)
        {
            await _drainTask.ConfigureAwait(false);
        }

        Drain();
        _stop.Dispose();
    }

    private static int TerminalWidth()
    {
        try
        {
            return Console.WindowWidth > 0 ? Console.WindowWidth : 80;
        }
        catch (IOException)
        {
            return 80;
        }
    }

    // Called under _gate: stops the live display, leaving its last line on screen.
    private void EndLive()
    {
        if (_liveTask is not { } task)
        {
            return;
        }

        _liveStop!.Cancel();
        task.GetAwaiter().GetResult();
        _liveStop.Dispose();
        _liveStop = null;
        _liveTask = null;
    }

    private async Task DrainAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Drain();
            await Task.Delay(50, _stop.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private void Drain()
    {
        if (_lines.IsEmpty)
        {
            return;
        }

        lock (_output)
        {
            while (_lines.TryDequeue(out var l))
            {
                _output.WriteLine(l);
            }

            _output.Flush();
        }
    }

    private async Task LiveAsync(CancellationToken stop)
    {
        try
        {
            await AnsiConsole.Live(new Text(string.Empty)).AutoClear(false).StartAsync(async ctx =>
            {
                while (!stop.IsCancellationRequested)
                {
                    ctx.UpdateTarget(new Text(Volatile.Read(ref _latest) ?? string.Empty));
                    ctx.Refresh();
                    await Task.Delay(100, stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }

                ctx.UpdateTarget(new Text(Volatile.Read(ref _latest) ?? string.Empty));
                ctx.Refresh();
            }).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // Another live display or an unusable console: plain lines from now on.
            Volatile.Write(ref _liveBroken, true);
            if (Volatile.Read(ref _latest) is { } l)
            {
                lock (_output)
                {
                    _output.WriteLine(l);
                    _output.Flush();
                }
            }
        }
    }
}
