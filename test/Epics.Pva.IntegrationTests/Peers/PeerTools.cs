
namespace Epics.Pva.IntegrationTests.Peers;

/// <summary>
/// Finds EPICS peer executables (pvget, pvxget, softIocPVX, ...) in the colon-separated directories of
/// <c>PVSTREAM_PEERS_BIN</c>, then on PATH, and runs them with an environment holding only the EPICS variables given.
/// </summary>
internal static class PeerTools
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    public static string? Find(string name)
    {
        var dirs = (Environment.GetEnvironmentVariable("PVSTREAM_PEERS_BIN") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat((Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        foreach (var dir in dirs)
        {
            var path = Path.Combine(dir, name);
            if (File.Exists(path))
            {
                return path;
            }
        }

        return null;
    }

    /// <summary>The path of <paramref name="name"/>, or skips the test when it is not installed.</summary>
    public static string Require(string name)
    {
        var path = Find(name);
        if (path is null)
        {
            Assert.Skip($"{name} not found in PVSTREAM_PEERS_BIN or PATH");
        }

        return path;
    }

    /// <summary>EPICS client variables that direct PVA searches only to 127.0.0.1:<paramref name="udpPort"/>.</summary>
    public static Dictionary<string, string> PvaClientEnvironment(int udpPort) => new()
    {
        ["EPICS_PVA_ADDR_LIST"] = $"127.0.0.1:{udpPort}",
        ["EPICS_PVA_AUTO_ADDR_LIST"] = "NO",
        ["EPICS_PVA_BROADCAST_PORT"] = udpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>A fixed port for a peer, free now and outside the ephemeral range (see <see cref="Pvstream.Testing.TestPorts"/>).</summary>
    public static int FreePort() => Pvstream.Testing.TestPorts.Next();

    /// <summary>Runs a tool to completion; returns its exit code and its stdout and stderr together.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(
        string path, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        await using var process = PeerProcess.Start(path, environment, arguments);
        var code = await process.WaitForExitAsync(Timeout);
        return (code, process.Output);
    }
}
