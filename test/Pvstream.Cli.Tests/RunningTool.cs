using System.Diagnostics;
using System.Threading.Channels;

namespace Pvstream.Cli.Tests;

/// <summary>
/// A pvstream process that keeps running (monitor, serve) while the test watches its stdout and stderr line by line;
/// disposing it kills the process if it is still running.
/// </summary>
public sealed class RunningTool : IDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _stdout = Channel.CreateUnbounded<string>();
    private readonly Channel<string> _stderr = Channel.CreateUnbounded<string>();
    private readonly List<string> _seen = [];

    private RunningTool(Process process)
    {
        _process = process;
        _ = PumpAsync(process.StandardOutput, _stdout.Writer, "out");
        _ = PumpAsync(process.StandardError, _stderr.Writer, "err");
    }

    public static RunningTool Start(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var process = Tool.Start(environment, args);
        process.StandardInput.Close();
        return new RunningTool(process);
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The process id (to send it a signal).</summary>
    public int Id => _process.Id;

    /// <summary>Everything read so far from both streams, for failure messages.</summary>
    public string Transcript
    {
        get
        {
            lock (_seen)
            {
                return string.Join('\n', _seen);
            }
        }
    }

    /// <summary>The next stdout line that satisfies <paramref name="match"/> (earlier ones are skipped).</summary>
    public Task<string> StdoutLineAsync(Func<string, bool> match, TimeSpan limit) => LineAsync(_stdout.Reader, match, limit, "stdout");

    /// <summary>The next stderr line that satisfies <paramref name="match"/> (earlier ones are skipped).</summary>
    public Task<string> StderrLineAsync(Func<string, bool> match, TimeSpan limit) => LineAsync(_stderr.Reader, match, limit, "stderr");

    public async Task<int> WaitForExitAsync(TimeSpan limit)
    {
        using var cts = new CancellationTokenSource(limit);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(TimeSpan.FromSeconds(10));
        }

        _process.Dispose();
    }

    private async Task<string> LineAsync(ChannelReader<string> reader, Func<string, bool> match, TimeSpan limit, string stream)
    {
        using var cts = new CancellationTokenSource(limit);
        try
        {
            while (true)
            {
                var line = await reader.ReadAsync(cts.Token);
                if (match(line))
                {
                    return line;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
            Assert.Fail($"no matching {stream} line within {limit.TotalSeconds} s; so far:\n{Transcript}");
            throw;
        }
    }

    private async Task PumpAsync(StreamReader from, ChannelWriter<string> to, string tag)
    {
        while (await from.ReadLineAsync() is { } line)
        {
            lock (_seen)
            {
                _seen.Add(tag + ": " + line);
            }

            to.TryWrite(line);
        }

        to.TryComplete();
    }
}
