using Epics.Pva;
using Epics.Pva.Client;
using Epics.Pva.Data.NT;

namespace Epics.Streaming.Tests;

/// <summary>Both servers as separate pvstream processes, read by our client over loopback.</summary>
public class EndToEndTests
{
    private static PvaClientOptions ClientFor(int udpPort) => PvaClientOptions.Default with
    {
        AddressList = [$"127.0.0.1:{udpPort}"],
        AutoAddressList = false,
        BroadcastPort = udpPort,
    };

    private static Dictionary<string, string> ServerEnv(int udpPort) => new()
    {
        ["EPICS_PVAS_INTF_ADDR_LIST"] = "127.0.0.1",
        ["EPICS_PVAS_SERVER_PORT"] = "0",
        ["EPICS_PVAS_BROADCAST_PORT"] = udpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["EPICS_PVAS_BEACON_ADDR_LIST"] = $"127.0.0.1:{udpPort}",
        ["EPICS_PVAS_AUTO_BEACON_ADDR_LIST"] = "NO",
    };

    // Reads until the subscription has seen `last` or the token fires; returns the uniqueIds in arrival order.
    private static async Task<List<int>> ReadIdsAsync(PvaSubscription s, int last, CancellationToken ct)
    {
        var ids = new List<int>();
        await foreach (var u in s.WithCancellation(ct))
        {
            using (u)
            {
                var id = new NTNDArray(u.Value).UniqueId;
                if (id > 0)
                {
                    ids.Add(id);
                }

                if (id >= last)
                {
                    break;
                }
            }
        }

        return ids;
    }

    [Fact]
    public async Task Sim_and_mirror_processes_deliver_every_frame_in_order()
    {
        var dll = ToolProcess.ToolPath();
        if (dll is null)
        {
            Assert.Skip("tools/pvstream is not built (dotnet build tools/pvstream)");
        }

        // Generous: all test assemblies run at once on a 2-core machine; only a hang should hit this.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(180));
        var ct = cts.Token;
        var simUdp = ToolProcess.FreeUdpPort();
        var mirrorUdp = ToolProcess.FreeUdpPort();
        const int Fps = 1000;
        const double Runtime = 2;
        await using var sim = ToolProcess.Start(dll, ServerEnv(simUdp), "ad-sim-server", "--channel-name", "e2e:image", "-nx", "128", "-ny", "128",
            "-fps", "1000", "--runtime", "2", "-std", "4", "-shd", "1", "-rp", "1000", "-dc");
        var mirrorEnv = ServerEnv(mirrorUdp);
        mirrorEnv["EPICS_PVA_ADDR_LIST"] = $"127.0.0.1:{simUdp}";
        mirrorEnv["EPICS_PVA_AUTO_ADDR_LIST"] = "NO";
        mirrorEnv["EPICS_PVA_BROADCAST_PORT"] = simUdp.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await sim.WaitForOutputAsync("Frame cache type", ct);
        await using var mirror = ToolProcess.Start(dll, mirrorEnv, "mirror-server", "--channel-map", "(e2e:mirror,e2e:image,pva,1000)",
            "-rt", "120", "-rp", "1");
        await mirror.WaitForOutputAsync("Started mirror server", ct);

        await using var simClient = new PvaClient(ClientFor(simUdp));
        await using var mirrorClient = new PvaClient(ClientFor(mirrorUdp));
        var direct = simClient.Subscribe("e2e:image", "record[queueSize=1000,pipeline=true]field()");
        var mirrored = mirrorClient.Subscribe("e2e:mirror", "record[queueSize=1000,pipeline=true]field()");
        await direct.Channel.WaitConnectedAsync(ct);
        await mirrored.Channel.WaitConnectedAsync(ct);

        // The sim publishes about Fps * Runtime frames; read until the last one it reports.
        var directTask = ReadIdsAsync(direct, int.MaxValue, ct);
        var mirrorTask = ReadIdsAsync(mirrored, int.MaxValue, ct);
        Assert.Equal(0, await sim.WaitForExitAsync(ct));
        var published = int.Parse(System.Text.RegularExpressions.Regex.Match(sim.Output, @"Published frames: (\d+)").Groups[1].Value,
            System.Globalization.CultureInfo.InvariantCulture);
        // Loose: the shared 2-core host can be heavily loaded; what matters is that every published frame arrives.
        Assert.InRange(published, Fps * Runtime * 0.5, (Fps * Runtime) + 10);
        await Task.Delay(500, ct);
        await direct.DisposeAsync();
        await mirrored.DisposeAsync();
        var directIds = await directTask;
        var mirrorIds = await mirrorTask;

        Assert.Equal(Enumerable.Range(1, published), directIds);
        Assert.NotEmpty(mirrorIds);
        Assert.Equal(Enumerable.Range(mirrorIds[0], mirrorIds.Count), mirrorIds);
        Assert.Equal(published, mirrorIds[^1]);
        Assert.True(mirrorIds[0] <= 1, $"mirror started at {mirrorIds[0]}");
        // The per-channel report (every second) must reach every published frame + the empty initial record.
        await mirror.WaitForOutputAsync($": {{'nReceived': {published + 1}, 'nOverruns': 0}}", ct);
    }

    [Fact]
    public async Task Bad_options_exit_non_zero_with_one_line()
    {
        var dll = ToolProcess.ToolPath();
        if (dll is null)
        {
            Assert.Skip("tools/pvstream is not built");
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var bad = ToolProcess.Start(dll, new Dictionary<string, string>(), "ad-sim-server", "-dt", "complex64");
        Assert.NotEqual(0, await bad.WaitForExitAsync(cts.Token));
        Assert.Equal("Error: Invalid data type complex64: use one of int8, uint8, int16, uint16, int32, uint32, int64, uint64, float32, float64.",
            bad.Output.Trim());
        await using var badMap = ToolProcess.Start(dll, new Dictionary<string, string>(), "mirror-server", "-cm", "(a,b,http)");
        Assert.Equal(2, await badMap.WaitForExitAsync(cts.Token));
        Assert.Equal("Error: Invalid source provider type specified for entry: a,b,http", badMap.Output.Trim());
    }
}
