using System.Diagnostics;

namespace Epics.Streaming.Tests.Peers;

/// <summary>A running EPICS peer (pvmonitor, pvget, a python script) whose output lines are collected; killed on dispose.</summary>
internal sealed class PeerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];

    private PeerProcess(Process process) => _process = process;

    public string Output
    {
        get
        {
            lock (_lines)
            {
                return string.Join('\n', _lines);
            }
        }
    }

    public static PeerProcess Start(string path, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var info = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        // Only the EPICS variables given: a developer's own EPICS_* settings must not reach the default ports.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("EPICS_", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(key);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info };
        var peer = new PeerProcess(process);
        process.OutputDataReceived += (_, e) => peer.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => peer.OnLine(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return peer;
    }

    /// <summary>Every output line so far (stdout and stderr interleaved as they arrived).</summary>
    public List<string> Lines()
    {
        lock (_lines)
        {
            return [.. _lines];
        }
    }

    /// <summary>The first line matching <paramref name="match"/>; fails with the output when the process exits first.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, CancellationToken cancellationToken)
    {
        var next = 0;
        while (true)
        {
            var exited = _process.HasExited;
            List<string> fresh;
            lock (_lines)
            {
                fresh = _lines.GetRange(next, _lines.Count - next);
            }

            next += fresh.Count;
            if (fresh.FirstOrDefault(match) is { } line)
            {
                return line;
            }

            if (exited)
            {
                // Output read after exit is complete only once WaitForExit has drained the pipes.
                await _process.WaitForExitAsync(cancellationToken);
                if (Lines().Skip(next).FirstOrDefault(match) is { } late)
                {
                    return late;
                }

                throw new InvalidOperationException($"{Path.GetFileName(_process.StartInfo.FileName)} exited ({_process.ExitCode}) first:\n{Tail()}");
            }

            try
            {
                await Task.Delay(20, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"no matching line from {Path.GetFileName(_process.StartInfo.FileName)}; output:\n{Tail()}");
            }
        }
    }

    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken);
        return _process.ExitCode;
    }

    public async Task WriteLineAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }

    // Monitors print thousands of lines: a failure message needs only the end.
    private string Tail()
    {
        var lines = Lines();
        return string.Join('\n', lines.Skip(Math.Max(0, lines.Count - 40)));
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lines)
        {
            _lines.Add(line);
        }
    }
}
