using System.Diagnostics;
using System.Text;

namespace Epics.Streaming.Tests;

/// <summary>Runs the built pvstream tool as a separate process with its own environment and captures its output.</summary>
internal sealed class ToolProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ToolProcess(Process process) => _process = process;

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

    public static string? ToolPath()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "pvstream.slnx")))
        {
            dir = dir.Parent;
        }

        var dll = dir is null ? null : Path.Combine(dir.FullName, "tools", "pvstream", "bin", "Debug", "net10.0", "pvstream.dll");
        return dll is not null && File.Exists(dll) ? dll : null;
    }

    public static ToolProcess Start(string dll, IReadOnlyDictionary<string, string> env, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("EPICS_", StringComparison.Ordinal)).ToList())
        {
            psi.Environment.Remove(key);
        }

        foreach (var (k, v) in env)
        {
            psi.Environment[k] = v;
        }

        var p = new Process { StartInfo = psi };
        var tool = new ToolProcess(p);
        p.OutputDataReceived += (_, e) => tool.Append(e.Data);
        p.ErrorDataReceived += (_, e) => tool.Append(e.Data);
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return tool;
    }

    public async Task WaitForOutputAsync(string text, CancellationToken cancellationToken)
    {
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"process exited ({_process.ExitCode}) before printing '{text}':\n{Output}");
            }

            await Task.Delay(20, cancellationToken);
        }
    }

    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken);
        return _process.ExitCode;
    }

    /// <summary>A UDP port free right now on 127.0.0.1.</summary>
    public static int FreeUdpPort() => Pvstream.Testing.TestPorts.Next();

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        }

        _process.Dispose();
    }
}
