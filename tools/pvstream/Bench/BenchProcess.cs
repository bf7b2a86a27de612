using System.Diagnostics;
using System.Text;

namespace Pvstream.Bench;

/// <summary>
/// One program of a trial: started with its output captured (the last 256 KiB, which holds the final report), its
/// CPU time and peak memory sampled while it runs, and stopped as a user would, with SIGINT.
/// </summary>
internal sealed class BenchProcess : IAsyncDisposable
{
    private const int MaxOutputChars = 256 * 1024;
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Task _pumps;
    private TimeSpan _cpu;
    private long _peak;

    private BenchProcess(string name, Process process)
    {
        Name = name;
        _process = process;
        _pumps = Task.WhenAll(Pump(process.StandardOutput), Pump(process.StandardError));
    }

    public string Name { get; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public static BenchProcess Start(string name, ProcessStartInfo info, IReadOnlyDictionary<string, string> environment)
    {
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {info.FileName}");
        return new BenchProcess(name, process);
    }

    /// <summary>The output so far (stdout and stderr interleaved as read).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>CPU time and peak working set now (the last values read while the process was alive).</summary>
    public (TimeSpan Cpu, long PeakWorkingSet) Sample()
    {
        try
        {
            _process.Refresh();
            if (!_process.HasExited)
            {
                _cpu = _process.TotalProcessorTime;
                _peak = Math.Max(_peak, _process.PeakWorkingSet64);
            }
        }
        catch (InvalidOperationException)
        {
            // It exited between the checks: keep the last sample.
        }

        return (_cpu, _peak);
    }

    public Task WaitForExitAsync(TimeSpan timeout) =>
        _process.WaitForExitAsync().WaitAsync(timeout);

    /// <summary>SIGINT (Ctrl-C), then up to <paramref name="grace"/> to exit before it is killed; true when it exited by itself.</summary>
    public async Task<bool> InterruptAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return true;
        }

        // The kill(1) program rather than a P/Invoke: the tool stays free of unsafe code.
        using (var kill = Process.Start(new ProcessStartInfo("kill", ["-INT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false }))
        {
            await (kill?.WaitForExitAsync() ?? Task.CompletedTask).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        try
        {
            await _process.WaitForExitAsync().WaitAsync(grace).ConfigureAwait(false);
            await _pumps.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return true;
        }
        catch (TimeoutException)
        {
            _process.Kill(entireProcessTree: true);
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await _pumps.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _process.Dispose();
    }

    private async Task Pump(StreamReader reader)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            lock (_output)
            {
                _output.Append(line).Append('\n');
                if (_output.Length > MaxOutputChars)
                {
                    _output.Remove(0, _output.Length - MaxOutputChars);
                }
            }
        }
    }
}
