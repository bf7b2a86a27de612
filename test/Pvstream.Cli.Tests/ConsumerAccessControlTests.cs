using Epics.Pva;
using Epics.Pva.Client;

namespace Pvstream.Cli.Tests;

/// <summary>
/// <c>--allow-users</c>/<c>--allow-hosts</c> of the consumer and the collector as processes: a put from an identity not
/// listed is refused with an error the client sees and logged with who and from where; a listed one is accepted.
/// </summary>
public sealed class ConsumerAccessControlTests : IDisposable
{
    private const string PutInputSource = """
        public sealed class PutInput(JsonObject c) : UserDataProcessor(c)
        {
            public override PvValue? GetInputPvObjectType() =>
                new PvValue(PvType.Builder().Add("uniqueId", ScalarType.Int).Add("x", ScalarType.Double).Build());
        }
        """;

    private static readonly TimeSpan Limit = ConsumerTestEnvironment.Limit;
    private readonly ConsumerTestEnvironment _env = new();

    public void Dispose() => _env.Dispose();

    [Fact]
    public async Task Only_listed_users_on_listed_hosts_may_put_into_the_input_and_control_records()
    {
        var source = _env.WriteSource("PutInput.cs", PutInputSource);
        using var consumer = RunningTool.Start(_env.Variables, "consumer", "-im", "pvas", "-ic", "ac1:input", "-cc", "ac1:control",
            "-pf", source, "-pc", "PutInput", "-rp", "1", "-rs", "processor", "--allow-users", "alice,bob", "--allow-hosts", "127.0.0.1");
        await _env.WaitForAsync("ac1:input", "uniqueId 0");
        await using var mallory = Client("mallory");
        await using var alice = Client("alice");
        using var timeout = new CancellationTokenSource(Limit);

        var refused = await Assert.ThrowsAnyAsync<PvaException>(() =>
            mallory.PutAsync("ac1:input", v => { v["uniqueId"].Set(1); v["x"].Set(1.5); }, cancellationToken: timeout.Token));
        Assert.Contains("access denied: user 'mallory'", refused.Message);
        var logged = await consumer.StderrLineAsync(l => l.Contains("Refused put to ac1:input", StringComparison.Ordinal), Limit);
        Assert.Contains("mallory", logged);
        Assert.Contains("127.0.0.1", logged);

        await alice.PutAsync("ac1:input", v => { v["uniqueId"].Set(1); v["x"].Set(1.5); }, cancellationToken: timeout.Token);
        await consumer.StdoutLineAsync(l => l.Contains("'nProcessed': 1,", StringComparison.Ordinal), Limit);

        // A stray stop from a non-listed user leaves the pipeline running; alice's stops it.
        await Assert.ThrowsAnyAsync<PvaException>(() => mallory.PutAsync("ac1:control", v => v["command"].Set("stop"), cancellationToken: timeout.Token));
        await consumer.StderrLineAsync(l => l.Contains("Refused put to ac1:control", StringComparison.Ordinal), Limit);
        Assert.False(consumer.HasExited);
        await alice.PutAsync("ac1:control", v => v["command"].Set("stop"), cancellationToken: timeout.Token);
        Assert.Equal(0, await consumer.WaitForExitAsync(Limit));
    }

    [Fact]
    public async Task A_listed_user_from_a_host_not_listed_is_refused_by_the_collector()
    {
        using var collector = RunningTool.Start(_env.Variables, "collector", "-pid", "1", "-ic", "ac2:producer:*", "-cc", "ac2:control",
            "--allow-users", "alice", "--allow-hosts", "beamline-ws1,10.1.2.3");
        await _env.WaitForAsync("ac2:control", "statusMessage");
        await using var alice = Client("alice");
        using var timeout = new CancellationTokenSource(Limit);

        var refused = await Assert.ThrowsAnyAsync<PvaException>(() => alice.PutAsync("ac2:control", v => v["command"].Set("stop"), cancellationToken: timeout.Token));
        Assert.Contains("access denied: host 'elsewhere' at 127.0.0.1", refused.Message);
        var logged = await collector.StderrLineAsync(l => l.Contains("Refused put to ac2:control", StringComparison.Ordinal), Limit);
        Assert.Contains("alice", logged);

        await using var fromWorkstation = Client("alice", "beamline-ws1");
        await fromWorkstation.PutAsync("ac2:control", v => v["command"].Set("stop"), cancellationToken: timeout.Token);
        Assert.Equal(0, await collector.WaitForExitAsync(Limit));
    }

    private PvaClient Client(string user, string host = "elsewhere") =>
        new(PvaClientOptions.FromDictionary(_env.Variables) with { UserName = user, HostName = host });
}
