using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Pvstream.Cli.Tests;

/// <summary>
/// A scratch folder and an isolated EPICS environment (loopback, ephemeral server ports, a UDP port of its own) for
/// consumer tests that run <c>pvstream</c> processes; <see cref="WaitForAsync"/> polls a channel with <c>pvstream get</c>.
/// </summary>
public sealed class ConsumerTestEnvironment : IDisposable
{
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    public ConsumerTestEnvironment()
    {
        Scratch = Path.Combine(Path.GetTempPath(), "pvstream-consumer-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Scratch);
        var udp = FreeUdpPort().ToString(CultureInfo.InvariantCulture);
        Variables = new Dictionary<string, string>
        {
            ["EPICS_PVAS_INTF_ADDR_LIST"] = "127.0.0.1",
            ["EPICS_PVAS_SERVER_PORT"] = "0",
            ["EPICS_PVAS_BROADCAST_PORT"] = udp,
            ["EPICS_PVA_BROADCAST_PORT"] = udp,
            ["EPICS_PVA_ADDR_LIST"] = "127.0.0.1",
            ["EPICS_PVA_AUTO_ADDR_LIST"] = "NO",
            ["EPICS_PVAS_AUTO_BEACON_ADDR_LIST"] = "NO",
            ["EPICS_CAS_INTF_ADDR_LIST"] = "127.0.0.1",
            ["EPICS_CAS_SERVER_PORT"] = "0",
            ["LOCALAPPDATA"] = Scratch,
            ["XDG_DATA_HOME"] = Scratch,
        };
    }

    public string Scratch { get; }

    public Dictionary<string, string> Variables { get; }

    /// <summary>A processor source in the scratch folder; its path.</summary>
    public string WriteSource(string name, string text)
    {
        var path = Path.Combine(Scratch, name);
        File.WriteAllText(path, text);
        return path;
    }

    public async Task WaitForAsync(string channel, string message, IReadOnlyDictionary<string, string>? environment = null)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        ToolResult? last = null;
        while (DateTime.UtcNow < deadline)
        {
            last = await Tool.RunAsync(environment ?? Variables, Limit, "get", channel);
            if (last.Stdout.Contains(message, StringComparison.Ordinal))
            {
                return;
            }

            await Task.Delay(200);
        }

        Assert.Fail($"{channel} never showed '{message}': {last}");
    }

    public void Dispose() => Directory.Delete(Scratch, recursive: true);

    private static int FreeUdpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
