using Epics.Pva;
using Epics.Pva.Client;
using Epics.Pva.Server;

namespace Pvstream.Cli.Tests;

/// <summary>An isolated in-process PVA server (127.0.0.1, ephemeral ports) and the environment that points pvstream at it.</summary>
public sealed class TestServer : IAsyncDisposable
{
    private TestServer(PvaServer server)
    {
        Server = server;
        Environment = new Dictionary<string, string>
        {
            ["EPICS_PVA_ADDR_LIST"] = $"127.0.0.1:{server.UdpPort}",
            ["EPICS_PVA_AUTO_ADDR_LIST"] = "NO",
            ["EPICS_PVA_BROADCAST_PORT"] = server.UdpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    public PvaServer Server { get; }

    public IReadOnlyDictionary<string, string> Environment { get; }

    public static async Task<TestServer> StartAsync(params (string Name, SharedPv Pv)[] pvs)
    {
        var server = new PvaServer(PvaServerOptions.Isolated());
        foreach (var (name, pv) in pvs)
        {
            server.AddPv(name, pv);
        }

        await server.StartAsync().WaitAsync(TimeSpan.FromSeconds(10));
        return new TestServer(server);
    }

    public Task<ToolResult> RunAsync(params string[] args) => Tool.RunAsync(Environment, args);

    public PvaClient CreateClient() => new(Server.CreateClientOptions());

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
