using System.Diagnostics;
using System.Text;

namespace Pvstream.Streaming;

/// <summary>
/// A program the bench or the workflow runner starts: its output captured (the last 256 KiB, which holds the final
/// report, and every line in a log file when one is given), its CPU time and peak memory sampled while it runs, and
/// stopped as a user would, with SIGINT.
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private const int MaxOutputChars = 256 * 1024;
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Task _pumps;
    private readonly TextWriter? _log;
    private TimeSpan _cpu;
    private long _peak;

    private ChildProcess(string name, Process process, TextWriter? log)
    {
        Name = name;
        _process = process;
        _log = log;
        _pumps = Task.WhenAll(Pump(process.StandardOutput), Pump(process.StandardError));
    }

    public string Name { get; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public int Id => _process.Id;

    /// <summary>The last <paramref name="count"/> lines of output.</summary>
    public IReadOnlyList<string> LastLines(int count) => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(count).ToList();

    /// <summary>Starts <paramref name="info"/> with <paramref name="environment"/> added; every output line also goes to <paramref name="log"/>.</summary>
    public static ChildProcess Start(string name, ProcessStartInfo info, IReadOnlyDictionary<string, string> environment, TextWriter? log = null)
    {
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {info.FileName}");
        return new ChildProcess(name, process, log);
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
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // It exited between the checks (its /proc entry is gone): keep the last sample.
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
        if (_log is not null)
        {
            await _log.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task Pump(StreamReader reader)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            lock (_output)
            {
                _log?.WriteLine(line);
                _output.Append(line).Append('\n');
                if (_output.Length > MaxOutputChars)
                {
                    _output.Remove(0, _output.Length - MaxOutputChars);
                }
            }
        }
    }
}
