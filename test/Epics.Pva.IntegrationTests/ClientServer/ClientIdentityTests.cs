using Epics.Pva.Client;
using Epics.Pva.Server;

namespace Epics.Pva.IntegrationTests.ClientServer;

/// <summary>The "ca" identity a client claims (<see cref="PvaClientOptions.UserName"/>, <see cref="PvaClientOptions.HostName"/>) as put handlers see it, and <see cref="ClientAccessList"/> on it.</summary>
public sealed class ClientIdentityTests
{
    [Fact]
    public async Task A_put_handler_sees_the_user_and_host_the_client_claims_and_can_refuse_by_them()
    {
        var access = ClientAccessList.Parse("alice", "127.0.0.1");
        PvPutRequest? seen = null;
        var pv = new SharedPv(Loopback.Counter());
        pv.PutHandler = (request, _) =>
        {
            seen = request;
            if (access.Refusal(request) is { } reason)
            {
                throw new UnauthorizedAccessException(reason);
            }

            pv.Post(request.Value);
            return ValueTask.CompletedTask;
        };
        await using var lo = await Loopback.StartAsync(s => s.AddPv("x", pv));
        await using var mallory = new PvaClient(lo.Client.Options with { UserName = "mallory", HostName = "ws-9" });
        await using var alice = new PvaClient(lo.Client.Options with { UserName = "alice", HostName = "ws-1" });

        var e = await Assert.ThrowsAsync<PvaRemoteException>(() => mallory.PutValueAsync("x", "5", Loopback.Deadline()));
        Assert.Contains("access denied: user 'mallory'", e.Message);
        Assert.Equal(("mallory", "ws-9"), (seen!.User, seen.Host));

        await alice.PutValueAsync("x", "7", Loopback.Deadline());
        Assert.Equal(("alice", "ws-1"), (seen!.User, seen.Host));
        Assert.Equal(7, pv.Snapshot()["value"].GetInt32());
    }

    [Fact]
    public void Host_entries_match_addresses_by_address_and_names_by_the_claimed_name()
    {
        var peer = new System.Net.IPEndPoint(System.Net.IPAddress.Parse("10.0.0.5"), 40000);
        var access = ClientAccessList.Parse(null, "10.0.0.5, Beamline-WS1");
        Assert.Null(access.Refusal("anyone", "nowhere", peer));
        Assert.Null(access.Refusal("anyone", "beamline-ws1", new System.Net.IPEndPoint(System.Net.IPAddress.Parse("10.0.0.6"), 1)));
        Assert.NotNull(access.Refusal("anyone", "nowhere", new System.Net.IPEndPoint(System.Net.IPAddress.Parse("::ffff:10.0.0.6"), 1)));
        Assert.Null(access.Refusal(null, null, new System.Net.IPEndPoint(System.Net.IPAddress.Parse("::ffff:10.0.0.5"), 1)));
        Assert.True(ClientAccessList.Parse(" ", null).IsOpen);
        Assert.NotNull(ClientAccessList.Parse("alice", null).Refusal(null, "h", peer));
    }
}
