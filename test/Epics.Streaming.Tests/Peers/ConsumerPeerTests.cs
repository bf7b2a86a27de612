using System.Globalization;
using System.Text.RegularExpressions;

namespace Epics.Streaming.Tests.Peers;

/// <summary>
/// <c>pvstream consumer</c> with other EPICS implementations, every process on loopback ports of its own: it reads
/// pvaPy's <c>pvapy-ad-sim-server</c> (pvAccessCPP/pvDatabase, through its distributor) and a PVXS <c>softIocPVX</c>
/// group PV; pvaPy's <c>pvapy-hpc-consumer</c> reads its output channel; pvAccessCPP's <c>pvget</c>/<c>pvput</c> read its
/// status and stop it through its control channel. Skipped unless the peers are installed (docs/interop.md).
/// </summary>
public sealed partial class ConsumerPeerTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Consumer_reads_every_frame_of_pvapy_ad_sim_server_through_its_distributor()
    {
        var dll = PeerSetup.RequireTool();
        var python = await RequireAdSimPythonAsync();
        using var cts = new CancellationTokenSource(Limit);
        var simPorts = PeerSetup.FreePortPair();
        var simEnvironment = new Dictionary<string, string>(PeerSetup.ServerEnvironment(simPorts)) { ["PYTHONPATH"] = PeerSetup.PythonPath };
        await using var sim = PeerProcess.Start(python, simEnvironment, "-m", "pvapy.cli.adSimServer", "-cn", "py:image", "-nx", "16", "-ny", "16",
            "-fps", "50", "-std", "8", "-rt", "4", "-shd", "10", "-rp", "100000", "-dc");
        await using var consumer = ToolProcess.Start(dll, ConsumerEnvironment(simPorts, PeerSetup.FreePortPair()),
            "consumer", "-ic", "py:image", "-du", "1", "-sqs", "1000", "-rt", "16", "-rs", "processor,receiver");
        Assert.Equal(0, await consumer.WaitForExitAsync(cts.Token));
        var report = consumer.Output;
        var processed = Number(Processed(), report);
        Assert.True(processed >= 100, report);
        Assert.True(report.Contains("'nMissed': 0,", StringComparison.Ordinal), report + "\n" + sim.Output);
        Assert.Equal(Number(LastId(), report) - Number(FirstId(), report) + 1, processed);
    }

    [Fact]
    public async Task Consumer_reads_a_softIocPVX_group_pv()
    {
        var dll = PeerSetup.RequireTool();
        var softIoc = PeerSetup.RequirePeer("softIocPVX");
        using var cts = new CancellationTokenSource(Limit);
        var dir = Directory.CreateTempSubdirectory("pvstream-consumer-pvx-");
        try
        {
            var db = Path.Combine(dir.FullName, "image.db");
            await File.WriteAllTextAsync(db, """
                record(calc, "pvx:uid") {
                    field(SCAN, ".1 second")
                    field(CALC, "A+1")
                    field(INPA, "pvx:uid NPP")
                    info(Q:group, {"pvx:image": {"uniqueId": {"+channel": "VAL", "+type": "plain", "+trigger": "*"}}})
                }
                record(waveform, "pvx:pixels") {
                    field(FTVL, "UCHAR")
                    field(NELM, "64")
                    info(Q:group, {"pvx:image": {"value": {"+channel": "VAL", "+type": "plain"}}})
                }
                """, cts.Token);
            var iocPorts = PeerSetup.FreePortPair();
            var iocEnvironment = new Dictionary<string, string>(PeerSetup.ServerEnvironment(iocPorts))
            {
                ["EPICS_CAS_INTF_ADDR_LIST"] = "127.0.0.1",
                ["EPICS_CA_SERVER_PORT"] = Text(PeerSetup.FreePortPair().Tcp),
                ["EPICS_CA_REPEATER_PORT"] = Text(PeerSetup.FreePortPair().Udp),
                ["EPICS_CA_AUTO_ADDR_LIST"] = "NO",
                ["EPICS_CA_ADDR_LIST"] = "127.0.0.1",
                ["PATH"] = "/usr/bin:/bin", // no caRepeater spawned that would outlive the test
            };
            await using var ioc = PeerProcess.Start(softIoc, iocEnvironment, "-S", "-d", db);
            await ioc.WaitForLineAsync(l => l.Contains("iocRun: All initialization complete", StringComparison.Ordinal), cts.Token);
            await using var consumer = ToolProcess.Start(dll, ConsumerEnvironment(iocPorts, PeerSetup.FreePortPair()),
                "consumer", "-ic", "pvx:image", "-rt", "5", "-rs", "processor");
            Assert.Equal(0, await consumer.WaitForExitAsync(cts.Token));
            var report = consumer.Output;
            Assert.True(Number(Processed(), report) >= 20, report);
            Assert.Contains("'nMissed': 0,", report);
            Assert.Contains("'nErrors': 0,", report);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Pvapy_hpc_consumer_reads_the_output_channel_of_our_consumer()
    {
        var dll = PeerSetup.RequireTool();
        var python = await PeerSetup.RequirePythonAsync(codecs: false);
        using var cts = new CancellationTokenSource(Limit);
        var simPorts = PeerSetup.FreePortPair();
        var consumerPorts = PeerSetup.FreePortPair();
        await using var sim = ToolProcess.Start(dll, PeerSetup.ServerEnvironment(simPorts),
            "ad-sim-server", "-cn", "peer:image", "-nx", "16", "-ny", "16", "-fps", "50", "-std", "8", "-rt", "4", "-shd", "10", "-rp", "1000", "-dc");
        await using var ours = ToolProcess.Start(dll, ConsumerEnvironment(simPorts, consumerPorts),
            "consumer", "-ic", "peer:image", "-oc", "peer:output", "-rt", "18", "-rs", "processor");
        var pvapyEnvironment = new Dictionary<string, string>(PeerSetup.ServerEnvironment(PeerSetup.FreePortPair()))
        {
            ["EPICS_PVA_ADDR_LIST"] = "127.0.0.1",
            ["EPICS_PVA_AUTO_ADDR_LIST"] = "NO",
            ["EPICS_PVA_BROADCAST_PORT"] = Text(consumerPorts.Udp),
            ["EPICS_PVA_SERVER_PORT"] = Text(consumerPorts.Tcp),
            ["PYTHONPATH"] = PeerSetup.PythonPath,
        };
        await using var theirs = PeerProcess.Start(python, pvapyEnvironment, "-m", "pvapy.cli.hpcConsumer", "-ic", "peer:output", "-sqs", "1000",
            "-rt", "16", "-rp", "0", "-dc", "-rs", "processor");
        Assert.Equal(0, await theirs.WaitForExitAsync(cts.Token));
        var report = theirs.Output;
        Assert.True(Number(Processed(), report) >= 100, report);
        Assert.True(report.Contains("'nMissed': 0,", StringComparison.Ordinal), report);
        Assert.Equal(0, await ours.WaitForExitAsync(cts.Token));
    }

    [Fact]
    public async Task Pvget_reads_the_status_and_pvput_stops_the_consumer_through_its_control_channel()
    {
        var dll = PeerSetup.RequireTool();
        var pvget = PeerSetup.RequirePeer("pvget");
        var pvput = PeerSetup.RequirePeer("pvput");
        using var cts = new CancellationTokenSource(Limit);
        var ports = PeerSetup.FreePortPair();
        await using var consumer = ToolProcess.Start(dll, ConsumerEnvironment(PeerSetup.FreePortPair(), ports),
            "consumer", "-ic", "peer:none", "-sc", "peer:*:status", "-cc", "peer:*:control", "-rp", "1");
        await consumer.WaitForOutputAsync("'consumerId': 1", cts.Token);

        await using (var get = PeerProcess.Start(pvget, PeerSetup.ClientEnvironment(ports), "-w", "10", "peer:1:status"))
        {
            Assert.Equal(0, await get.WaitForExitAsync(cts.Token));
            Assert.Matches(@"uint consumerId 1\b", get.Output);
            Assert.Contains("string inputChannel peer:none", get.Output);
            Assert.Matches(@"structure processorStats\s+double runtime", get.Output);
        }

        await using (var put = PeerProcess.Start(pvput, PeerSetup.ClientEnvironment(ports), "-w", "10", "peer:1:control", "command=stop"))
        {
            Assert.True(await put.WaitForExitAsync(cts.Token) == 0, put.Output);
        }

        Assert.Equal(0, await consumer.WaitForExitAsync(cts.Token));
        Assert.Contains("'nProcessed': 0,", consumer.Output);
    }

    // Our consumer: a client of the peer at clientPorts, serving its own records at serverPorts.
    private static Dictionary<string, string> ConsumerEnvironment((int Tcp, int Udp) clientPorts, (int Tcp, int Udp) serverPorts) =>
        new(PeerSetup.ServerEnvironment(serverPorts))
        {
            ["EPICS_PVA_ADDR_LIST"] = "127.0.0.1",
            ["EPICS_PVA_AUTO_ADDR_LIST"] = "NO",
            ["EPICS_PVA_BROADCAST_PORT"] = Text(clientPorts.Udp),
            ["EPICS_PVA_SERVER_PORT"] = Text(clientPorts.Tcp),
        };

    private static async Task<string> RequireAdSimPythonAsync()
    {
        var python = await PeerSetup.RequirePythonAsync(codecs: false);
        await using var probe = PeerProcess.Start(python, new Dictionary<string, string> { ["PYTHONPATH"] = PeerSetup.PythonPath }, "-c", "import pvapy.cli.adSimServer");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        if (await probe.WaitForExitAsync(cts.Token) != 0)
        {
            Assert.Skip("pvapy.cli.adSimServer (numpy) cannot be imported with PYTHONPATH=$PVSTREAM_PVAPY_PATH");
        }

        return python;
    }

    private static long Number(Regex pattern, string text)
    {
        var matches = pattern.Matches(text);
        Assert.True(matches.Count > 0, text);
        return long.Parse(matches[^1].Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static string Text(int port) => port.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"'nProcessed': (\d+)")]
    private static partial Regex Processed();

    [GeneratedRegex(@"'firstObjectId': (\d+)")]
    private static partial Regex FirstId();

    [GeneratedRegex(@"'lastObjectId': (\d+)")]
    private static partial Regex LastId();
}
