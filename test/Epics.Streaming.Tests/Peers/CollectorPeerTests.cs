using System.Globalization;
using System.Text.RegularExpressions;

namespace Epics.Streaming.Tests.Peers;

/// <summary>
/// <c>pvstream collector</c> and pvaPy's <c>pvapy-hpc-collector</c> gathering each other's consumers, every process on
/// loopback ports of its own: pvaPy's collector sorts the outputs of two of our consumers sharing a simulator's frames
/// (<c>-du 1</c>), and our collector the outputs of two <c>pvapy-hpc-consumer</c>s doing the same. Every frame is
/// collected, none missed or rejected. Skipped unless pvaPy is installed (<c>PVSTREAM_PVAPY_PATH</c>, docs/interop.md).
/// </summary>
public sealed partial class CollectorPeerTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Pvapy_hpc_collector_gathers_every_frame_from_two_of_our_distributed_consumers()
    {
        var dll = PeerSetup.RequireTool();
        var python = await RequireModuleAsync("pvapy.cli.hpcCollector");
        using var cts = new CancellationTokenSource(Limit);
        var simPorts = PeerSetup.FreePortPair();
        var consumerPorts = PeerSetup.FreePortPair();

        // The simulator publishes 200 frames from 10 s after its start, when every stage has found its input.
        await using var sim = ToolProcess.Start(dll, PeerSetup.ServerEnvironment(simPorts),
            "ad-sim-server", "-cn", "pc1:image", "-nx", "16", "-ny", "16", "-fps", "50", "-std", "10", "-rt", "4", "-shd", "1", "-rp", "0", "-dc");
        // Both consumer processes answer searches on one UDP port (TCP ports of their own): pvAccessCPP searches only one
        // address of EPICS_PVA_ADDR_LIST per host, and our servers pass a unicast search on to the others on the host.
        var consumerEnvironment = Chained([simPorts], consumerPorts);
        consumerEnvironment["EPICS_PVAS_SERVER_PORT"] = "0";
        await using var consumers = ToolProcess.Start(dll, consumerEnvironment, "consumer", "-nc", "2", "-ic", "pc1:image", "-oc", "pc1:*:output",
            "-du", "1", "-sqs", "1000", "-rt", "30", "-rs", "processor");
        await using var theirs = PeerProcess.Start(python, Chained([consumerPorts], PeerSetup.FreePortPair()), "-m", "pvapy.cli.hpcCollector",
            "-pid", "1,2", "-ic", "pc1:*:output", "-sqs", "1000", "-rt", "24", "-rp", "0", "-dc", "-rs", "processor");
        Assert.Equal(0, await sim.WaitForExitAsync(cts.Token));
        var frames = Number(PublishedFrames(), sim.Output);
        Assert.True(frames >= 150, sim.Output);

        // pvapy releases the last run once its cache has been quiet for 5 s; it reports when its runtime is over.
        Assert.Equal(0, await theirs.WaitForExitAsync(cts.Token));
        var report = theirs.Output;
        var context = report + "\n" + consumers.Output;
        Assert.True(NothingLost().IsMatch(report), context);
        Assert.True(Number(LastId(), report) == frames, context);
        AssertEveryIdOnce(report, context);
    }

    [Fact]
    public async Task Our_collector_gathers_every_frame_from_two_distributed_pvapy_hpc_consumers()
    {
        var dll = PeerSetup.RequireTool();
        var python = await RequireModuleAsync("pvapy.cli.hpcConsumer");
        using var cts = new CancellationTokenSource(Limit);
        var simPorts = PeerSetup.FreePortPair();
        var consumerPorts = new[] { PeerSetup.FreePortPair(), PeerSetup.FreePortPair() };

        await using var sim = ToolProcess.Start(dll, PeerSetup.ServerEnvironment(simPorts),
            "ad-sim-server", "-cn", "pc2:image", "-nx", "16", "-ny", "16", "-fps", "50", "-std", "10", "-rt", "4", "-shd", "1", "-rp", "0", "-dc");
        var consumers = new List<PeerProcess>();
        try
        {
            for (var id = 1; id <= 2; id++)
            {
                consumers.Add(PeerProcess.Start(python, Chained([simPorts], consumerPorts[id - 1]), "-m", "pvapy.cli.hpcConsumer", "-id", Text(id),
                    "-ic", "pc2:image", "-oc", "pc2:*:output", "-pc", "pvapy.hpc.userDataProcessor.UserDataProcessor", "-du", "1", "-sqs", "1000", "-rt", "30", "-rp", "0", "-dc", "-rs", "processor"));
            }

            // A run is released within 1 s (-cmw), so the collector is done soon after the last frame.
            await using var ours = ToolProcess.Start(dll, Chained(consumerPorts, PeerSetup.FreePortPair()), "collector", "-pid", "1,2",
                "-ic", "pc2:*:output", "-sqs", "1000", "-cmw", "1", "-rt", "22", "-rs", "processor");
            Assert.Equal(0, await sim.WaitForExitAsync(cts.Token));
            var frames = Number(PublishedFrames(), sim.Output);
            Assert.True(frames >= 150, sim.Output);

            Assert.Equal(0, await ours.WaitForExitAsync(cts.Token));
            var report = ours.Output;
            var context = report + "\n" + string.Join("\n", consumers.Select(c => c.Output));
            Assert.True(NothingLost().IsMatch(report), context);
            Assert.True(Number(LastId(), report) == frames, context);
            AssertEveryIdOnce(report, context);
        }
        finally
        {
            foreach (var c in consumers)
            {
                await c.DisposeAsync();
            }
        }
    }

    // A process serving at ownPorts that reads from the servers at upstream, searched by unicast on each one's UDP port
    // (our client searches every entry; pvAccessCPP only the first of a host).
    private static Dictionary<string, string> Chained((int Tcp, int Udp)[] upstream, (int Tcp, int Udp) ownPorts) =>
        new(PeerSetup.ServerEnvironment(ownPorts))
        {
            ["EPICS_PVA_ADDR_LIST"] = string.Join(' ', upstream.Select(p => $"127.0.0.1:{Text(p.Udp)}")),
            ["EPICS_PVA_AUTO_ADDR_LIST"] = "NO",
            ["EPICS_PVA_BROADCAST_PORT"] = Text(upstream[0].Udp),
            ["EPICS_PVA_SERVER_PORT"] = Text(upstream[0].Tcp),
            ["PYTHONPATH"] = PeerSetup.PythonPath,
        };

    // Each id from the first (0: a producer's value before its first frame; the other producer's is skipped) to the
    // last processed exactly once.
    private static void AssertEveryIdOnce(string report, string context)
    {
        var first = Number(FirstId(), report);
        Assert.True(first <= 1, context);
        Assert.True(Number(Processed(), report) == Number(LastId(), report) - first + 1, context);
    }

    private static async Task<string> RequireModuleAsync(string module)
    {
        var python = await PeerSetup.RequirePythonAsync(codecs: false);
        await using var probe = PeerProcess.Start(python, new Dictionary<string, string> { ["PYTHONPATH"] = PeerSetup.PythonPath }, "-c", "import " + module);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        if (await probe.WaitForExitAsync(cts.Token) != 0)
        {
            Assert.Skip($"{module} cannot be imported with PYTHONPATH=$PVSTREAM_PVAPY_PATH");
        }

        return python;
    }

    private static long Number(Regex pattern, string text)
    {
        var matches = pattern.Matches(text);
        Assert.True(matches.Count > 0, $"{pattern} not in:\n{text}");
        return long.Parse(matches[^1].Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"Published frames: (\d+)")]
    private static partial Regex PublishedFrames();

    // The final report's collector statistics (pretty-printed by either side, on one line or several).
    [GeneratedRegex(@"'collectorStats':\s*\{[^}]*'nMissed':\s*0,[^}]*'nRejected':\s*0\b|'collectorStats':\s*\{[^}]*'nRejected':\s*0,[^}]*'nMissed':\s*0\b")]
    private static partial Regex NothingLost();

    [GeneratedRegex(@"'nProcessed':\s*(\d+)")]
    private static partial Regex Processed();

    [GeneratedRegex(@"'firstObjectId':\s*(\d+)")]
    private static partial Regex FirstId();

    [GeneratedRegex(@"'lastObjectId':\s*(\d+)")]
    private static partial Regex LastId();
}
