using System.Globalization;

namespace Epics.Streaming.Tests.Peers;

/// <summary>
/// Finds the EPICS peers: executables in the colon-separated directories of <c>PVSTREAM_PEERS_BIN</c> (then PATH), and
/// a python (<c>PVSTREAM_PVAPY_PYTHON</c>, else /usr/bin/python3) that imports <c>pvaccess</c> with
/// <c>PYTHONPATH=$PVSTREAM_PVAPY_PATH</c>. Tests skip when a peer is missing; ports are loopback pairs picked per test.
/// </summary>
internal static class PeerSetup
{
    private static readonly Lazy<Task<string?>> Pvapy = new(() => ProbePythonAsync("import pvaccess"));

    private static readonly Lazy<Task<string?>> PvapyCodecs = new(() => ProbePythonAsync(
        "import pvaccess, numpy, bitshuffle\nfrom pvapy.utility.adImageUtility import AdImageUtility"));

    public static string PythonPath => Environment.GetEnvironmentVariable("PVSTREAM_PVAPY_PATH") ?? string.Empty;

    /// <summary>The built pvstream tool, or skips.</summary>
    public static string RequireTool()
    {
        var dll = ToolProcess.ToolPath();
        if (dll is null)
        {
            Assert.Skip("tools/pvstream is not built (dotnet build tools/pvstream)");
        }

        return dll;
    }

    /// <summary>The path of an EPICS executable, or skips when it is not installed.</summary>
    public static string RequirePeer(string name)
    {
        var dirs = (Environment.GetEnvironmentVariable("PVSTREAM_PEERS_BIN") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat((Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        var path = dirs.Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
        if (path is null)
        {
            Assert.Skip($"{name} not found in PVSTREAM_PEERS_BIN or PATH");
        }

        return path;
    }

    /// <summary>A python that can import pvaccess (and, with <paramref name="codecs"/>, numpy, bitshuffle and pvapy's AdImageUtility).</summary>
    public static async Task<string> RequirePythonAsync(bool codecs)
    {
        var python = await (codecs ? PvapyCodecs : Pvapy).Value;
        if (python is null)
        {
            Assert.Skip(codecs
                ? "no python3 imports pvaccess, numpy, bitshuffle and pvapy.utility.adImageUtility with PYTHONPATH=$PVSTREAM_PVAPY_PATH"
                : "no python3 imports pvaccess with PYTHONPATH=$PVSTREAM_PVAPY_PATH");
        }

        return python;
    }

    /// <summary>A TCP/UDP port pair, both free on 127.0.0.1 a moment ago and never the EPICS defaults.</summary>
    public static (int Tcp, int Udp) FreePortPair()
    {
        var tcp = FreePort();
        var udp = FreePort();
        while (udp == tcp)
        {
            udp = FreePort();
        }

        return (tcp, udp);
    }

    /// <summary>A pvstream server on this port pair, loopback only, beacons to loopback only.</summary>
    public static Dictionary<string, string> ServerEnvironment((int Tcp, int Udp) ports) => new()
    {
        ["EPICS_PVAS_INTF_ADDR_LIST"] = "127.0.0.1",
        ["EPICS_PVAS_SERVER_PORT"] = Text(ports.Tcp),
        ["EPICS_PVA_SERVER_PORT"] = Text(ports.Tcp),
        ["EPICS_PVAS_BROADCAST_PORT"] = Text(ports.Udp),
        ["EPICS_PVA_BROADCAST_PORT"] = Text(ports.Udp),
        ["EPICS_PVAS_BEACON_ADDR_LIST"] = $"127.0.0.1:{Text(ports.Udp)}",
        ["EPICS_PVAS_AUTO_BEACON_ADDR_LIST"] = "NO",
    };

    /// <summary>A PVA client (a peer tool, pvaPy, or a mirror server's source side) that searches only this server.</summary>
    public static Dictionary<string, string> ClientEnvironment((int Tcp, int Udp) ports) => new()
    {
        ["EPICS_PVA_ADDR_LIST"] = "127.0.0.1",
        ["EPICS_PVA_AUTO_ADDR_LIST"] = "NO",
        ["EPICS_PVA_BROADCAST_PORT"] = Text(ports.Udp),
        ["EPICS_PVA_SERVER_PORT"] = Text(ports.Tcp),
        ["PYTHONPATH"] = PythonPath,
    };

    private static int FreePort() => Pvstream.Testing.TestPorts.Next();

    private static string Text(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static async Task<string?> ProbePythonAsync(string imports)
    {
        if (PythonPath.Length == 0)
        {
            return null;
        }

        var candidates = new[] { Environment.GetEnvironmentVariable("PVSTREAM_PVAPY_PYTHON"), "/usr/bin/python3" }
            .Where(p => !string.IsNullOrEmpty(p) && File.Exists(p)).Distinct().Cast<string>();
        foreach (var python in candidates)
        {
            await using var probe = PeerProcess.Start(python, new Dictionary<string, string> { ["PYTHONPATH"] = PythonPath }, "-c", imports);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            if (await probe.WaitForExitAsync(cts.Token) == 0)
            {
                return python;
            }
        }

        return null;
    }
}
