using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Epics.Streaming.Tests.Peers;

/// <summary>
/// <c>pvstream ad-sim-server</c> and <c>mirror-server</c> as separate processes read by real EPICS clients at a
/// sustained rate: pvAccessCPP's pvmonitor/pvget, PVXS's pvxmonitor and a pvaPy consumer must see every frame in order.
/// Skipped unless the peers are installed (<c>PVSTREAM_PEERS_BIN</c>, <c>PVSTREAM_PVAPY_PATH</c>; see docs/interop.md).
/// </summary>
public class AdSimPeerTests
{
    private const int Fps = 1000;
    private const int Runtime = 3;
    private const string ToolRequest = "record[queueSize=1000,pipeline=true]field(uniqueId)";

    // pvmonitor prints "    int uniqueId N", pvxmonitor "    uniqueId int32_t = N".
    private static readonly Regex PvmonitorId = new(@"^\s*int uniqueId (\d+)\s*$");
    private static readonly Regex PvxmonitorId = new(@"^\s*uniqueId int32_t = (\d+)\s*$");

    // Subscribes, says "monitoring" after the first update, reads the last published id from stdin, waits for it and
    // prints one RESULT line. In bslz4 mode every frame is also decoded with pvapy's AdImageUtility and compared.
    private const string ConsumerScript = """
        import os, sys
        channel, mode = sys.argv[1], sys.argv[2]
        if mode == 'bslz4':
            # AdImageUtility reads this at import: our bslz4 payload has the 12-byte bitshuffle header in front.
            os.environ['PVAPY_COMPRESSED_PAYLOAD_START'] = '12'
        import json, threading, time
        import pvaccess as pva
        if mode == 'bslz4':
            import numpy as np
            from pvapy.utility.adImageUtility import AdImageUtility
            f, y, x = np.meshgrid(np.arange(2), np.arange(64), np.arange(300), indexing='ij')
            expected = ((f * 1000 + y * 300 + x) % 65536).astype(np.uint16)
        ids, bad, codecs, times = [], [], set(), []
        seen = threading.Event()
        def on_frame(pv):
            seen.set()
            uid = pv['uniqueId']
            if uid <= 0:
                return
            ids.append(uid)
            times.append(time.time())
            if mode == 'bslz4':
                size = pv['uncompressedSize']
                codecs.add((pv['codec.name'], size))
                raw = AdImageUtility.bslz4Decompress(pv['value'][0]['ubyteValue'], pva.USHORT, size)
                if not np.array_equal(np.asarray(raw).reshape(64, 300), expected[(uid - 1) % 2]):
                    bad.append(uid)
        c = pva.Channel(channel)
        c.subscribe('frames', on_frame)
        c.startMonitor('record[queueSize=1000]field()')
        if not seen.wait(30):
            print('RESULT {"error": "no update within 30 s"}', flush=True)
            sys.exit(1)
        print('monitoring', flush=True)
        last = int(sys.stdin.readline())
        deadline = time.time() + 30
        while (not ids or ids[-1] < last) and time.time() < deadline:
            time.sleep(0.05)
        c.stopMonitor()
        print('RESULT ' + json.dumps({
            'count': len(ids), 'first': ids[0] if ids else None, 'last': ids[-1] if ids else None,
            'gaps': [[a, b] for a, b in zip(ids, ids[1:]) if b != a + 1][:20], 'bad': bad[:20],
            'codecs': sorted(list(k) for k in codecs), 'seconds': times[-1] - times[0] if times else 0}), flush=True)
        """;

    [Theory]
    [InlineData("pvmonitor")]
    [InlineData("pvxmonitor")]
    public async Task Monitor_tool_sees_every_sim_frame_in_order(string tool)
    {
        var path = PeerSetup.RequirePeer(tool);
        var dll = PeerSetup.RequireTool();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var ct = cts.Token;
        var ports = PeerSetup.FreePortPair();
        await using var sim = StartSim(dll, ports, "peer:image", "-nx", "64", "-ny", "64", "-fps", Text(Fps));
        await sim.WaitForOutputAsync("Frame cache type", ct);
        await using var monitor = PeerProcess.Start(path, PeerSetup.ClientEnvironment(ports), "-r", ToolRequest, "peer:image");

        var (ids, published) = await MonitorIdsAsync(sim, monitor, tool, ct);
        AssertEveryFrame(ids, published, $"{tool} on ad-sim-server");
    }

    [Theory]
    [InlineData("pvmonitor")]
    [InlineData("pvxmonitor")]
    public async Task Monitor_tool_sees_every_frame_through_the_mirror_server(string tool)
    {
        var path = PeerSetup.RequirePeer(tool);
        var dll = PeerSetup.RequireTool();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var ct = cts.Token;
        var simPorts = PeerSetup.FreePortPair();
        var mirrorPorts = PeerSetup.FreePortPair();
        await using var sim = StartSim(dll, simPorts, "peer:image", "-nx", "64", "-ny", "64", "-fps", Text(Fps));
        await sim.WaitForOutputAsync("Frame cache type", ct);
        // The mirror's client side searches the sim, its server side is on its own pair.
        var mirrorEnv = PeerSetup.ServerEnvironment(mirrorPorts);
        mirrorEnv.Remove("EPICS_PVA_SERVER_PORT");
        mirrorEnv["EPICS_PVA_ADDR_LIST"] = "127.0.0.1";
        mirrorEnv["EPICS_PVA_AUTO_ADDR_LIST"] = "NO";
        mirrorEnv["EPICS_PVA_BROADCAST_PORT"] = Text(simPorts.Udp);
        await using var mirror = ToolProcess.Start(dll, mirrorEnv, "mirror-server", "--channel-map", "(peer:mirror,peer:image,pva,1000)",
            "-rt", "100", "-rp", "1");
        await mirror.WaitForOutputAsync("Started mirror server", ct);
        await using var monitor = PeerProcess.Start(path, PeerSetup.ClientEnvironment(mirrorPorts), "-r", ToolRequest, "peer:mirror");

        var (ids, published) = await MonitorIdsAsync(sim, monitor, tool, ct);
        AssertEveryFrame(ids, published, $"{tool} on mirror-server");
    }

    [Fact]
    public async Task Pvapy_consumer_sees_every_sim_frame_in_order()
    {
        var python = await PeerSetup.RequirePythonAsync(codecs: false);
        var dll = PeerSetup.RequireTool();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var ports = PeerSetup.FreePortPair();
        await using var sim = StartSim(dll, ports, "peer:image", "-nx", "64", "-ny", "64", "-fps", Text(Fps));
        var (result, published) = await ConsumeAsync(python, sim, ports, "peer:image", "ids", cts.Token);

        AssertResult(result, published, "pvapy on ad-sim-server");
    }

    [Fact]
    public async Task Pvapy_consumer_decodes_every_bslz4_hdf5_chunk_served_compressed()
    {
        var python = await PeerSetup.RequirePythonAsync(codecs: true);
        var dll = PeerSetup.RequireTool();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var ports = PeerSetup.FreePortPair();
        // Python decodes and compares each 38,400-byte frame: half the plain rate keeps a loaded 2-core host ahead.
        await using var sim = StartSim(dll, ports, "peer:h5", [.. CompressedInput(), "-fps", Text(Fps / 2)]);
        var (result, published) = await ConsumeAsync(python, sim, ports, "peer:h5", "bslz4", cts.Token);

        AssertResult(result, published, "pvapy bslz4 on ad-sim-server -hcm", Fps / 2);
        Assert.Empty(result.GetProperty("bad").EnumerateArray());
        var codecs = result.GetProperty("codecs").EnumerateArray().Select(c => $"{c[0].GetString()} {c[1].GetInt64()}");
        Assert.Equal(["bslz4 38400"], codecs);
    }

    [Fact]
    public async Task Pvget_prints_the_bslz4_codec_of_a_compressed_hdf5_channel()
    {
        var pvget = PeerSetup.RequirePeer("pvget");
        var dll = PeerSetup.RequireTool();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var ports = PeerSetup.FreePortPair();
        await using var sim = ToolProcess.Start(dll, PeerSetup.ServerEnvironment(ports),
            ["ad-sim-server", "-cn", "peer:h5", .. CompressedInput(), "-fps", "100", "-std", "0", "-rt", "60", "-rp", "10", "-dc"]);
        await sim.WaitForOutputAsync("Published frame id", cts.Token);

        await using var get = PeerProcess.Start(pvget, PeerSetup.ClientEnvironment(ports), "-r", "field(uniqueId,codec,uncompressedSize)", "peer:h5");
        Assert.Equal(0, await get.WaitForExitAsync(cts.Token));
        var output = get.Output;
        Assert.Matches(@"string name bslz4\n", output);
        Assert.Matches(@"any parameters\n\s+int\s+6\n", output);
        Assert.Matches(@"long uncompressedSize 38400\n", output);
        Assert.Matches(@"int uniqueId [1-9]\d*", output);
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string[] CompressedInput() =>
        ["-if", Path.Combine(AppContext.BaseDirectory, "Fixtures", "compressed.h5"), "-hds", "/bslz4/blocks", "-hcm"];

    // The start delay gives the peer time to connect before frame 1; -rp 1000 keeps the report short.
    private static ToolProcess StartSim(string dll, (int Tcp, int Udp) ports, string channel, params string[] options) =>
        ToolProcess.Start(dll, PeerSetup.ServerEnvironment(ports),
            ["ad-sim-server", "-cn", channel, "-rt", Text(Runtime), "-std", "3", "-shd", "2", "-rp", "1000", "-dc", .. options]);

    // The last uniqueId the sim published, from its closing "Published frames: N @ R fps" line.
    private static int Published(ToolProcess sim)
    {
        var match = Regex.Match(sim.Output, @"Published frames: (\d+) @ ([\d.]+) fps");
        Assert.True(match.Success, sim.Output);
        TestContext.Current.TestOutputHelper?.WriteLine($"sim: {match.Value}");
        return int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static int? IdOf(string tool, string line)
    {
        var match = (tool == "pvmonitor" ? PvmonitorId : PvxmonitorId).Match(line);
        return match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : null;
    }

    // Waits for the tool's first update (connected), the sim's exit, then the last published id; returns every id > 0.
    private static async Task<(List<int> Ids, int Published)> MonitorIdsAsync(ToolProcess sim, PeerProcess monitor, string tool, CancellationToken ct)
    {
        await monitor.WaitForLineAsync(l => IdOf(tool, l) is not null, ct);
        Assert.Equal(0, await sim.WaitForExitAsync(ct));
        var published = Published(sim);
        await monitor.WaitForLineAsync(l => IdOf(tool, l) == published, ct);
        return ([.. monitor.Lines().Select(l => IdOf(tool, l)).OfType<int>().Where(id => id > 0)], published);
    }

    private static async Task<(JsonElement Result, int Published)> ConsumeAsync(
        string python, ToolProcess sim, (int Tcp, int Udp) ports, string channel, string mode, CancellationToken ct)
    {
        var script = Path.Combine(Path.GetTempPath(), $"pvstream-peer-{Guid.NewGuid():N}.py");
        await File.WriteAllTextAsync(script, ConsumerScript, ct);
        try
        {
            await sim.WaitForOutputAsync("Frame cache type", ct);
            await using var consumer = PeerProcess.Start(python, PeerSetup.ClientEnvironment(ports), "-u", script, channel, mode);
            await consumer.WaitForLineAsync(l => l == "monitoring", ct);
            Assert.Equal(0, await sim.WaitForExitAsync(ct));
            var published = Published(sim);
            await consumer.WriteLineAsync(Text(published));
            var line = await consumer.WaitForLineAsync(l => l.StartsWith("RESULT ", StringComparison.Ordinal), ct);
            TestContext.Current.TestOutputHelper?.WriteLine(line);
            return (JsonDocument.Parse(line["RESULT ".Length..]).RootElement.Clone(), published);
        }
        finally
        {
            File.Delete(script);
        }
    }

    private static void AssertResult(JsonElement result, int published, string label, int fps = Fps)
    {
        Assert.False(result.TryGetProperty("error", out var error), error.ToString());
        Assert.Empty(result.GetProperty("gaps").EnumerateArray());
        var first = result.GetProperty("first").GetInt32();
        var count = result.GetProperty("count").GetInt32();
        Assert.Equal(published, result.GetProperty("last").GetInt32());
        AssertEveryFrame([.. Enumerable.Range(first, count)], published, label, fps);
    }

    private static void AssertEveryFrame(List<int> ids, int published, string label, int fps = Fps)
    {
        Assert.NotEmpty(ids);
        var gaps = ids.Zip(ids.Skip(1)).Where(p => p.Second != p.First + 1).Take(20).ToList();
        Assert.True(gaps.Count == 0, $"{label}: {ids.Count} ids {ids[0]}..{ids[^1]}, not consecutive at {string.Join(", ", gaps)}");
        Assert.Equal(published, ids[^1]);
        // A late attach may miss the first frames, never later ones; most must have been seen for this to mean anything.
        Assert.True(ids.Count >= published / 2, $"{label}: attached late, first id {ids[0]} of {published}");
        // Sustained rate: the sim publishes about fps * Runtime frames unless the host is starved.
        Assert.InRange(published, fps * Runtime / 2, (fps * Runtime) + 10);
        TestContext.Current.TestOutputHelper?.WriteLine($"{label}: {ids.Count} frames {ids[0]}..{ids[^1]}, no gaps");
    }
}
