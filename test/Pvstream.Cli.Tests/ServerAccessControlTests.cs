using Epics.Pva;
using Epics.Pva.Client;

namespace Pvstream.Cli.Tests;

/// <summary>
/// <c>--allow-users</c>/<c>--allow-hosts</c> of <c>serve</c>, <c>mirror-server</c> and <c>ad-sim-server</c> as processes:
/// a put from an identity not listed is refused with an error the client sees and logged with who and from where; a
/// listed one is accepted.
/// </summary>
public sealed class ServerAccessControlTests : IDisposable
{
    private static readonly TimeSpan Limit = ConsumerTestEnvironment.Limit;
    private readonly ConsumerTestEnvironment _env = new();

    public void Dispose() => _env.Dispose();

    [Fact]
    public async Task Serve_and_mirror_server_take_puts_only_from_listed_users_and_hosts()
    {
        using var serve = RunningTool.Start(_env.Variables, "serve", "acs:x=double:1", "--allow-users", "alice", "--allow-hosts", "127.0.0.1");
        using var mirror = RunningTool.Start(_env.Variables, "mirror-server", "-cm", "(acs:mirror,acs:x,pva,10)", "--allow-users", "bob",
            "--allow-hosts", "beamline-ws1");
        await _env.WaitForAsync("acs:mirror", "1");
        await using var mallory = Client("mallory");
        await using var alice = Client("alice");
        await using var bob = Client("bob", "beamline-ws1");
        using var timeout = new CancellationTokenSource(Limit);

        var refused = await Assert.ThrowsAnyAsync<PvaException>(() => mallory.PutAsync("acs:x", v => v["value"].Set(66.0), cancellationToken: timeout.Token));
        Assert.Contains("access denied: user 'mallory' is not allowed", refused.Message);
        var logged = await serve.StderrLineAsync(l => l.Contains("Refused put to acs:x", StringComparison.Ordinal), Limit);
        Assert.Contains("mallory", logged);
        Assert.Contains("127.0.0.1", logged);
        await alice.PutAsync("acs:x", v => v["value"].Set(2.5), cancellationToken: timeout.Token);
        await _env.WaitForAsync("acs:mirror", "2.5"); // through the mirror too

        // alice may write the source, not the mirror (her host is not listed there); bob from the workstation may.
        refused = await Assert.ThrowsAnyAsync<PvaException>(() => alice.PutAsync("acs:mirror", v => v["value"].Set(66.0), cancellationToken: timeout.Token));
        Assert.Contains("access denied: user 'alice' is not allowed", refused.Message);
        logged = await mirror.StderrLineAsync(l => l.Contains("Refused put to acs:mirror", StringComparison.Ordinal), Limit);
        Assert.Contains("alice", logged);
        await bob.PutAsync("acs:mirror", v => v["value"].Set(3.5), cancellationToken: timeout.Token);
        Assert.Equal(3.5, (await bob.GetAsync("acs:mirror", cancellationToken: timeout.Token))["value"].GetDouble());
        Assert.Equal(2.5, (await bob.GetAsync("acs:x", cancellationToken: timeout.Token))["value"].GetDouble());
    }

    [Fact]
    public async Task Ad_sim_server_takes_puts_into_its_records_only_from_listed_users()
    {
        using var sim = RunningTool.Start(_env.Variables, "ad-sim-server", "-cn", "acs:image", "-mpv", "pva://acs:meta", "-nx", "8", "-ny", "8",
            "-fps", "5", "-std", "0", "-rt", "60", "-dc", "-rp", "0", "--allow-users", "alice");
        await _env.WaitForAsync("acs:meta", "acs:meta ");
        await using var mallory = Client("mallory");
        await using var alice = Client("alice");
        using var timeout = new CancellationTokenSource(Limit);

        var refused = await Assert.ThrowsAnyAsync<PvaException>(() => mallory.PutAsync("acs:meta", v => v["value"].Set(66.0), cancellationToken: timeout.Token));
        Assert.Contains("access denied: user 'mallory' is not allowed", refused.Message);
        var logged = await sim.StderrLineAsync(l => l.Contains("Refused put to acs:meta", StringComparison.Ordinal), Limit);
        Assert.Contains("mallory", logged);
        refused = await Assert.ThrowsAnyAsync<PvaException>(() => mallory.PutAsync("acs:image", v => v["uniqueId"].Set(-1), cancellationToken: timeout.Token));
        Assert.Contains("access denied", refused.Message);
        await sim.StderrLineAsync(l => l.Contains("Refused put to acs:image", StringComparison.Ordinal), Limit);

        await alice.PutAsync("acs:meta", v => v["value"].Set(2.5), cancellationToken: timeout.Token);
        Assert.False(sim.HasExited);
    }

    private PvaClient Client(string user, string host = "elsewhere") =>
        new(PvaClientOptions.FromDictionary(_env.Variables) with { UserName = user, HostName = host });
}
