using System.Diagnostics;
using Epics.Ca.Server;

namespace Epics.Ca.Tests;

/// <summary>
/// A real CA client (pyepics over EPICS libca) reads, writes and monitors our server. pyepics searches on
/// EPICS_CA_SERVER_PORT, so the server binds one fixed, unusual port for both UDP and TCP.
/// </summary>
public sealed class PyEpicsInteropTests
{
    private const string Script = """
        import sys, time, epics
        print("get", epics.caget("py:x", timeout=5), flush=True)
        print("str", epics.caget("py:x", as_string=True, timeout=5), flush=True)
        pv = epics.PV("py:x", form="ctrl")
        pv.wait_for_connection(5)
        c = pv.get_ctrlvars(timeout=5)
        print("ctrl", pv.get(timeout=5), c["units"], c["precision"], c["upper_ctrl_limit"], flush=True)
        print("wf", list(epics.caget("py:wf", timeout=5)), flush=True)
        print("put", epics.caput("py:x", 12.5, wait=True, timeout=5), flush=True)
        print("putwf", epics.caput("py:wf", [4.0, 5.0], wait=True, timeout=5), flush=True)
        seen = []
        mon = epics.PV("py:x", auto_monitor=True, callback=lambda value=None, **kw: seen.append(value))
        mon.wait_for_connection(5)
        deadline = time.time() + 5
        while not seen and time.time() < deadline:
            time.sleep(0.05)
        print("ready", flush=True)
        sys.stdin.readline()
        deadline = time.time() + 5
        while len(seen) < 4 and time.time() < deadline:
            time.sleep(0.05)
        print("mon", seen, mon.severity, flush=True)
        """;

    [Fact]
    public async Task Pyepics_reads_writes_and_monitors_our_server()
    {
        var python = await FindPythonWithEpicsAsync();
        if (python is null)
        {
            Assert.Skip("python3 with pyepics (import epics) is not available");
        }

        var ct = TestContext.Current.CancellationToken;
        CaServer? server = null;
        var port = 0;
        for (var attempt = 0; server is null && attempt < 20; attempt++)
        {
            port = Random.Shared.Next(20000, 40000);
            var candidate = new CaServer(CaServerOptions.Isolated() with { TcpPort = port, UdpPort = port });
            try
            {
                candidate.Start();
                server = candidate;
            }
            catch (System.Net.Sockets.SocketException)
            {
                await candidate.DisposeAsync();
            }
        }

        Assert.NotNull(server);
        await using var _ = server;
        var x = server.AddPv("py:x", 3.25, new CaPvMetadata { Units = "mm", Precision = 3, ControlHigh = 100 });
        var wf = server.AddPv("py:wf", [1.0, 2, 3], capacity: 5);

        var start = new ProcessStartInfo(python, ["-c", Script])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        start.Environment["EPICS_CA_ADDR_LIST"] = "127.0.0.1";
        start.Environment["EPICS_CA_AUTO_ADDR_LIST"] = "NO";
        start.Environment["EPICS_CA_SERVER_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["EPICS_CA_REPEATER_PORT"] = (port + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var process = Process.Start(start)!;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        var lines = new List<string>();
        try
        {
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                lines.Add(line);
                if (line == "ready")
                {
                    x.Post(20);
                    x.Post(21, null, new CaAlarm(CaSeverity.Major, CaAlarmStatus.HiHi));
                    await process.StandardInput.WriteLineAsync("go");
                    await process.StandardInput.FlushAsync(timeout.Token);
                }
            }

            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        var output = string.Join("\n", lines) + "\n" + await stderr;
        Assert.True(process.ExitCode == 0, output);
        Assert.Contains("get 3.25", lines);
        Assert.Contains("str 3.250", lines);
        Assert.Contains("ctrl 3.25 mm 3 100.0", lines);
        Assert.Contains("wf [1.0, 2.0, 3.0]", lines);
        Assert.Contains("put 1", lines);
        Assert.Contains("putwf 1", lines);
        Assert.Equal([4.0, 5.0], wf.Values);
        Assert.Contains("mon [12.5, 20.0, 21.0] 2", lines);
    }

    private static async Task<string?> FindPythonWithEpicsAsync()
    {
        foreach (var candidate in new[] { "python3", "/usr/bin/python3" })
        {
            try
            {
                using var p = Process.Start(new ProcessStartInfo(candidate, ["-c", "import epics"])
                {
                    RedirectStandardError = true,
                    RedirectStandardOutput = true,
                })!;
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                await p.WaitForExitAsync(cts.Token);
                if (p.ExitCode == 0)
                {
                    return candidate;
                }
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception or OperationCanceledException)
            {
                // not installed, or hung: try the next one
            }
        }

        return null;
    }
}
