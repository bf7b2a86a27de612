using Epics.Pva.Client;
using Epics.Pva.Data;
using Epics.Pva.Server;

namespace Epics.Pva.IntegrationTests.ClientServer;

/// <summary>An isolated server on ephemeral loopback ports and a client that sees only it.</summary>
internal sealed class Loopback : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private Loopback(PvaServer server, PvaClient client)
    {
        Server = server;
        Client = client;
    }

    public PvaServer Server { get; }

    public PvaClient Client { get; }

    public static async Task<Loopback> StartAsync(Action<PvaServer>? setup = null, PvaServerOptions? options = null)
    {
        var server = new PvaServer(options ?? PvaServerOptions.Isolated());
        setup?.Invoke(server);
        await server.StartAsync();
        return new Loopback(server, new PvaClient(server.CreateClientOptions()));
    }

    public static PvValue Counter(int value = 0)
    {
        var v = new PvValue(PvType.Builder("epics:nt/NTScalar:1.0")
            .Add("value", ScalarType.Int)
            .AddStructure("alarm", "alarm_t", b => b.Add("severity", ScalarType.Int).Add("status", ScalarType.Int).Add("message", ScalarType.String))
            .AddStructure("timeStamp", "time_t", b => b.Add("secondsPastEpoch", ScalarType.Long).Add("nanoseconds", ScalarType.Int).Add("userTag", ScalarType.Int))
            .Build());
        v["value"].Set(value);
        return v;
    }

    public static CancellationToken Deadline() => new CancellationTokenSource(Timeout).Token;

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync().AsTask().WaitAsync(Timeout);
        await Server.DisposeAsync().AsTask().WaitAsync(Timeout);
    }
}
