using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Epics.Ca.Client;

namespace Epics.Ca.Tests.Peers;

/// <summary>
/// A real epics-base <c>softIoc</c> (RSRV, CA only) serving a database on loopback-only, non-default ports. The binary
/// is looked up in the colon-separated directories of <c>PVSTREAM_PEERS_BIN</c>, then on PATH; tests skip when it is
/// absent. The IOC shell reads stdin, so stdin stays open while it runs and <c>exit</c> is sent on dispose.
/// </summary>
internal sealed class SoftIoc : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();

    private SoftIoc(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    /// <summary>The CA server port (TCP and UDP search) the IOC was given in EPICS_CA_SERVER_PORT.</summary>
    public int Port { get; }

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

    public static string? Find(string name)
    {
        var dirs = (Environment.GetEnvironmentVariable("PVSTREAM_PEERS_BIN") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat((Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        return dirs.Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
    }

    /// <summary>The path of softIoc, or skips the test when it is not installed.</summary>
    public static string Require()
    {
        var path = Find("softIoc");
        if (path is null)
        {
            Assert.Skip("softIoc not found in PVSTREAM_PEERS_BIN or PATH");
        }

        return path;
    }

    /// <summary>A fixed port for a peer, free now and outside the ephemeral range (see <see cref="Pvstream.Testing.TestPorts"/>).</summary>
    public static int FreePort() => Pvstream.Testing.TestPorts.Next();

    /// <summary>Client options that search only 127.0.0.1:<paramref name="port"/>.</summary>
    public static CaClientOptions ClientOptions(int port) => CaClientOptions.FromDictionary(new Dictionary<string, string>
    {
        ["EPICS_CA_ADDR_LIST"] = "127.0.0.1",
        ["EPICS_CA_AUTO_ADDR_LIST"] = "NO",
        ["EPICS_CA_SERVER_PORT"] = port.ToString(CultureInfo.InvariantCulture),
    }) with { ConnectTimeout = TimeSpan.FromSeconds(10) };

    /// <summary>Starts softIoc on <paramref name="port"/> with the database file <paramref name="db"/>; returns once iocInit is done.</summary>
    public static async Task<SoftIoc> StartAsync(string path, string db, int port)
    {
        var info = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("-d");
        info.ArgumentList.Add(db);

        // Only these EPICS variables: a developer's own EPICS_* settings must not leak into the IOC.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("EPICS_", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(key);
        }

        string Text(int p) => p.ToString(CultureInfo.InvariantCulture);
        info.Environment["EPICS_CA_SERVER_PORT"] = Text(port);
        info.Environment["EPICS_CA_REPEATER_PORT"] = Text(FreePort());
        info.Environment["EPICS_CAS_INTF_ADDR_LIST"] = "127.0.0.1";
        info.Environment["EPICS_CAS_BEACON_ADDR_LIST"] = "127.0.0.1";
        info.Environment["EPICS_CAS_AUTO_BEACON_ADDR_LIST"] = "NO";
        info.Environment["EPICS_CA_ADDR_LIST"] = "127.0.0.1";
        info.Environment["EPICS_CA_AUTO_ADDR_LIST"] = "NO";
        // Without the EPICS bin directory on PATH the IOC's own CA client cannot spawn a caRepeater that outlives the test.
        info.Environment["PATH"] = "/usr/bin:/bin";

        var process = new Process { StartInfo = info };
        var ioc = new SoftIoc(process, port);
        process.OutputDataReceived += (_, e) => ioc.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => ioc.OnLine(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await ioc.WaitForLineAsync(l => l.Contains("iocRun: All initialization complete", StringComparison.Ordinal));
        }
        catch
        {
            await ioc.DisposeAsync();
            throw;
        }

        return ioc;
    }

    /// <summary>Kills the IOC at once (SIGKILL): its TCP circuits drop without a goodbye, as when an IOC crashes.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync().WaitAsync(Timeout);
    }

    /// <summary>Sends <c>exit</c> to the IOC shell; kills the IOC when it has not gone within a few seconds.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                try
                {
                    await _process.StandardInput.WriteLineAsync("exit");
                    await _process.StandardInput.FlushAsync();
                    await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5));
                }
                catch (Exception e) when (e is TimeoutException or IOException)
                {
                    _process.Kill();
                    await _process.WaitForExitAsync().WaitAsync(Timeout);
                }
            }
        }
        catch (InvalidOperationException)
        {
            // never started
        }

        _process.Dispose();
    }

    private async Task WaitForLineAsync(Func<string, bool> match)
    {
        using var cts = new CancellationTokenSource(Timeout);
        try
        {
            while (await _lines.Reader.WaitToReadAsync(cts.Token))
            {
                while (_lines.Reader.TryRead(out var line))
                {
                    if (match(line))
                    {
                        return;
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        throw new TimeoutException($"softIoc exited or did not finish iocInit within {Timeout}; output:\n{Output}");
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            _lines.Writer.TryComplete();
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        _lines.Writer.TryWrite(line);
    }
}
