using System.Collections.Concurrent;
using Spectre.Console;

namespace Epics.Streaming.Internal;

/// <summary>
/// Prints report lines off the hot path: the publisher only queues a line. With the live display (no <c>-dc</c> and a
/// real terminal) each refresh shows just the latest line, like the reference's curses screen; otherwise every line
/// is written, in batches.
/// </summary>
internal sealed class Reporter : IAsyncDisposable
{
    private readonly TextWriter _output;
    private readonly bool _live;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly CancellationTokenSource _stop = new();
    private string? _latest;
    private int _disposed;
    private Task? _loop;

    public Reporter(TextWriter output, bool live)
    {
        _output = output;
        _live = live && !Console.IsOutputRedirected && ReferenceEquals(output, Console.Out);
    }

    /// <summary>Writes a line now (startup and shutdown messages), outside the live display.</summary>
    public void WriteLine(string line)
    {
        lock (_output)
        {
            Drain(); // keep report lines in order with this one
            _output.WriteLine(line);
            _output.Flush();
        }
    }

    /// <summary>Queues a report line (cheap; called from the publisher).</summary>
    public void Report(string line)
    {
        if (_live)
        {
            Volatile.Write(ref _latest, line);
            _loop ??= Task.Run(LiveAsync);
            return;
        }

        _lines.Enqueue(line);
        _loop ??= Task.Run(DrainAsync);
    }

    private async Task DrainAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Drain();
            try
            {
                await Task.Delay(50, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        Drain();
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

    private async Task LiveAsync()
    {
        try
        {
            await AnsiConsole.Live(new Text(string.Empty)).AutoClear(false).StartAsync(async ctx =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    ctx.UpdateTarget(new Text(Volatile.Read(ref _latest) ?? string.Empty));
                    ctx.Refresh();
                    try
                    {
                        await Task.Delay(100, _stop.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                    }
                }

                ctx.UpdateTarget(new Text(Volatile.Read(ref _latest) ?? string.Empty));
                ctx.Refresh();
            }).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // Another live display or an unusable console: fall back to plain lines for good.
            if (Volatile.Read(ref _latest) is { } l)
            {
                WriteLine(l);
            }
        }
    }

    /// <summary>Ends the live display (or flushes the queued lines).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        _stop.Dispose();
    }
}
