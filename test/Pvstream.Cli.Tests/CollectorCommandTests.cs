using System.Globalization;
using System.Text.RegularExpressions;
using Pvstream.Testing;

namespace Pvstream.Cli.Tests;

/// <summary>
/// <c>pvstream collector</c> as a process behind <c>pvstream ad-sim-server</c> and <c>pvstream consumer</c> processes:
/// every frame gathered in order, split tiles stitched back bit for bit, metadata attached by time stamp; status and
/// control channels; bad input.
/// </summary>
public sealed partial class CollectorCommandTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);
    private readonly string _scratch = Path.Combine(Path.GetTempPath(), "pvstream-collector-tests-" + Guid.NewGuid().ToString("N"));
    private readonly Dictionary<string, string> _env;

    public CollectorCommandTests()
    {
        Directory.CreateDirectory(_scratch);
        var udp = TestPorts.Next().ToString(CultureInfo.InvariantCulture);
        _env = new Dictionary<string, string>
        {
            ["EPICS_PVAS_INTF_ADDR_LIST"] = "127.0.0.1",
            ["EPICS_PVAS_SERVER_PORT"] = "0",
            ["EPICS_PVAS_BROADCAST_PORT"] = udp,
            ["EPICS_PVA_BROADCAST_PORT"] = udp,
            ["EPICS_PVA_ADDR_LIST"] = "127.0.0.1",
            ["EPICS_PVA_AUTO_ADDR_LIST"] = "NO",
            ["EPICS_PVAS_AUTO_BEACON_ADDR_LIST"] = "NO",
            ["EPICS_CAS_INTF_ADDR_LIST"] = "127.0.0.1",
            // no EPICS_CAS_SERVER_PORT: the simulator's CA server and the collector's CA client meet on EPICS_CA_SERVER_PORT
            ["EPICS_CA_ADDR_LIST"] = "127.0.0.1",
            ["EPICS_CA_AUTO_ADDR_LIST"] = "NO",
            ["EPICS_CA_SERVER_PORT"] = TestPorts.Next().ToString(CultureInfo.InvariantCulture),
            ["LOCALAPPDATA"] = _scratch,
            ["XDG_DATA_HOME"] = _scratch,
        };
    }

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    private static string Examples => Path.Combine(RepoRoot, "examples", "processors");

    private static string RepoRoot => Repository.Root;

    // Counts what the collector hands over: ids out of order, repeated ids, the id span.
    private const string OrderCheck = """
        public sealed class OrderCheck(JsonObject c) : UserDataProcessor(c)
        {
            private long _previous = -1, _outOfOrder, _repeated, _first = -1, _count;
            public override PvValue? Process(PvValue v)
            {
                var id = v[ObjectIdField].GetInt64();
                if (id < _previous) _outOfOrder++;
                if (id == _previous) _repeated++;
                if (_first < 0) _first = id;
                _previous = id;
                _count++;
                UpdateOutputChannel(v);
                return v;
            }
            public override IReadOnlyDictionary<string, object> GetStats() => new Dictionary<string, object>
            {
                ["nOutOfOrder"] = _outOfOrder, ["nRepeated"] = _repeated, ["firstId"] = _first, ["lastId"] = _previous, ["nSeen"] = _count,
            };
            public override IReadOnlyDictionary<string, ScalarType> GetStatsPvaTypes() => new Dictionary<string, ScalarType>
            {
                ["nOutOfOrder"] = ScalarType.ULong, ["nRepeated"] = ScalarType.ULong, ["firstId"] = ScalarType.Long, ["lastId"] = ScalarType.Long, ["nSeen"] = ScalarType.ULong,
            };
        }
        """;

    [Fact]
    public async Task Two_distributed_consumers_feed_a_collector_that_gathers_every_frame_in_order()
    {
        var check = Path.Combine(_scratch, "OrderCheck.cs");
        await File.WriteAllTextAsync(check, OrderCheck);
        // The simulator first, publishing only after everyone has found its channel: no frame goes by unseen.
        var sim = Tool.RunAsync(_env, Limit, "ad-sim-server", "-cn", "c1:image", "-nx", "32", "-ny", "16", "-fps", "50", "-rt", "6", "-dc", "-rp", "0",
            "-std", "15", "-shd", "1");
        using var collector = RunningTool.Start(_env, "collector", "-pid", "1,2", "-ic", "c1:*:output", "-sc", "c1:col:status", "-cc", "c1:col:control",
            "-oc", "c1:col:output", "-pf", check, "-pc", "OrderCheck", "-cmw", "1", "-sqs", "1000", "-rp", "1");
        using var consumers = RunningTool.Start(_env, "consumer", "-ic", "c1:image", "-nc", "2", "-du", "1", "-sqs", "1000", "-oc", "c1:*:output", "-sc", "c1:*:status");
        await WaitForAsync("c1:col:status", "uint collectorId 1");
        await WaitForAsync("c1:1:status", "uint consumerId 1");
        await WaitForAsync("c1:2:status", "uint consumerId 2");
        var published = await sim;
        Assert.True(published.ExitCode == 0, published.ToString());
        var frames = long.Parse(PublishedFrames().Match(published.Stdout).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(frames > 100, published.Stdout);

        // Every frame up to the last published one reaches the processor once, in order (a gap waits at most 1 s).
        await collector.StdoutLineAsync(l => l.Contains($"'lastId': {frames},", StringComparison.Ordinal), Limit);
        var status = await Tool.RunAsync(_env, Limit, "get", "c1:col:status");
        Assert.True(status.ExitCode == 0, status.ToString());
        AssertMatches(@"structure collectorStats\s+uint nCollected \d+\s+double collectedRate \S+\s+uint nRejected 0\s+double rejectedRate \S+\s+uint nMissed 0\s", status.Stdout);
        Assert.Contains("ulong nOutOfOrder 0", status.Stdout);
        Assert.Contains("string channel c1:1:output", status.Stdout[status.Stdout.IndexOf("producerStats_1", StringComparison.Ordinal)..]);
        Assert.Contains("string channel c1:2:output", status.Stdout[status.Stdout.IndexOf("producerStats_2", StringComparison.Ordinal)..]);
        var firstId = long.Parse(Regex.Match(status.Stdout, @"long firstId (\d+)").Groups[1].Value, CultureInfo.InvariantCulture);
        var seen = long.Parse(Regex.Match(status.Stdout, @"ulong nSeen (\d+)").Groups[1].Value, CultureInfo.InvariantCulture);
        var repeated = long.Parse(Regex.Match(status.Stdout, @"ulong nRepeated (\d+)").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.Equal(frames - firstId + 1, seen - repeated); // each id from the first to the last, nothing missing
        Assert.True(firstId <= 1, status.Stdout); // the consumers' initial objects (id 0) first, then frame 1

        var output = await Tool.RunAsync(_env, Limit, "get", "c1:col:output");
        Assert.Contains($"int uniqueId {frames}", output.Stdout);

        // reset_stats zeroes the collector's and the processor's statistics (unlike the reference's).
        var reset = await Tool.RunAsync(_env, Limit, "put", "c1:col:control", """{"command":"reset_stats"}""");
        Assert.True(reset.ExitCode == 0, reset.ToString());
        await WaitForAsync("c1:col:control", "Stats reset successful");
        var getStats = await Tool.RunAsync(_env, Limit, "put", "c1:col:control", """{"command":"get_stats"}""");
        Assert.True(getStats.ExitCode == 0, getStats.ToString());
        await WaitForAsync("c1:col:status", "uint nCollected 0");
        var after = await Tool.RunAsync(_env, Limit, "get", "c1:col:status");
        Assert.Contains("uint nProcessed 0", after.Stdout);
        Assert.Contains("uint nReceived 0", after.Stdout);

        var stop = await Tool.RunAsync(_env, Limit, "put", "c1:col:control", """{"command":"stop"}""");
        Assert.True(stop.ExitCode == 0, stop.ToString());
        Assert.Equal(0, await collector.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains("'collectorStats': {", collector.Transcript);
        Assert.Contains("'producer-2': {'channel': 'c1:2:output'", collector.Transcript);
    }

    [Fact]
    public async Task Tiles_split_by_one_consumer_and_passed_by_two_are_stitched_back_bit_for_bit()
    {
        var pf = Examples;
        // 30 x 20 pixels in 12 x 9 tiles: a 3 x 3 grid whose last column and row are narrower. One distinct frame, so
        // every stitched frame can be compared with the simulator's. The simulator publishes once everyone has found it.
        using var sim = RunningTool.Start(_env, "ad-sim-server", "-cn", "c2:image", "-nx", "30", "-ny", "20", "-dt", "uint16", "-nf", "1", "-fps", "20",
            "-rt", "60", "-dc", "-rp", "0", "-std", "15");
        using var collector = RunningTool.Start(_env, "collector", "-pid", "1,2", "-ic", "c2:pass:*", "-sc", "c2:col:status", "-cc", "c2:col:control", "-oc", "c2:stitched",
            "-pf", Path.Combine(pf, "StitchAdImageProcessor.cs"), "-pc", "StitchAdImageProcessor", "-cmw", "1", "-sqs", "1000", "-rp", "1");
        using var passing = RunningTool.Start(_env, "consumer", "-ic", "c2:split", "-nc", "2", "-du", "1", "-sqs", "1000", "-oc", "c2:pass:*", "-sc", "c2:pass:*:status");
        using var split = RunningTool.Start(_env, "consumer", "-ic", "c2:image", "-oc", "c2:split", "-sc", "c2:split:status", "-sqs", "1000",
            "-pf", Path.Combine(pf, "SplitAdImageProcessor.cs"), "-pc", "SplitAdImageProcessor", "-pa", """{"nx": 12, "ny": 9}""");
        foreach (var (channel, id) in new[] { ("c2:col:status", "collectorId 1"), ("c2:pass:1:status", "consumerId 1"), ("c2:pass:2:status", "consumerId 2"), ("c2:split:status", "consumerId 1") })
        {
            await WaitForAsync(channel, "uint " + id);
        }

        await collector.StdoutLineAsync(l => Regex.IsMatch(l, @"'nFramesStitched': [1-9]\d"), Limit);

        var original = await Tool.RunAsync(_env, Limit, "get", "--array-limit", "0", "c2:image");
        var stitched = await Tool.RunAsync(_env, Limit, "get", "--array-limit", "0", "c2:stitched");
        Assert.True(original.ExitCode == 0 && stitched.ExitCode == 0, original + "\n" + stitched);
        Assert.Equal(ValueLine(original.Stdout), ValueLine(stitched.Stdout));
        Assert.Contains("int size 30", stitched.Stdout);
        Assert.Contains("int size 20", stitched.Stdout);

        // Counted from a reset once the pipeline runs (it resets the stitcher's statistics too), so that a start-up
        // transient of the distributor does not count: every frame is stitched, no tile left over.
        var reset = await Tool.RunAsync(_env, Limit, "put", "c2:col:control", """{"command":"reset_stats"}""");
        Assert.True(reset.ExitCode == 0, reset.ToString());
        await WaitForAsync("c2:col:control", "Stats reset successful");
        await Task.Delay(TimeSpan.FromSeconds(3));
        await WaitForAsync("c2:col:status", "uint nFramesStitched ");
        var status = await Tool.RunAsync(_env, Limit, "get", "c2:col:status");
        Assert.Matches(@"uint nFramesStitched [1-9]\d", status.Stdout);
        Assert.True(status.Stdout.Contains("uint nFramesMissed 0", StringComparison.Ordinal), status.Stdout);
        Assert.True(status.Stdout.Contains("uint nTilesDiscarded 0", StringComparison.Ordinal), status.Stdout);
        AssertMatches(@"structure collectorStats\s+uint nCollected \d+\s+double collectedRate \S+\s+uint nRejected 0\s+double rejectedRate \S+\s+uint nMissed 0\s", status.Stdout);
    }

    [Fact]
    public async Task Metadata_over_pva_and_ca_is_attached_to_every_collected_image()
    {
        using var collector = RunningTool.Start(_env, "collector", "-pid", "1", "-ic", "c3:image", "-sc", "c3:col:status", "-oc", "c3:col:output",
            "-mc", "pva://c3:x,ca://c3:y", "-pf", Path.Combine(Examples, "HpcAdMetadataProcessor.cs"), "-pc", "HpcAdMetadataProcessor",
            "-pa", """{"timestampTolerance": 0.05}""", "-cmw", "0.2", "-rp", "1", "-rs", "user");
        using var sim = RunningTool.Start(_env, "ad-sim-server", "-cn", "c3:image", "-nx", "8", "-ny", "8", "-fps", "10", "-rt", "60", "-dc", "-rp", "0",
            "-std", "6", "-mpv", "pva://c3:x,ca://c3:y");
        await collector.StdoutLineAsync(l => Regex.IsMatch(l, @"'nFramesProcessed': [1-9]\d"), Limit);

        var output = await Tool.RunAsync(_env, Limit, "get", "c3:col:output");
        Assert.True(output.ExitCode == 0, output.ToString());
        Assert.Matches(@"string name c3:x\s+any value\s+float ", output.Stdout);
        Assert.Matches(@"string name c3:y\s+any value\s+float ", output.Stdout);
        var status = await Tool.RunAsync(_env, Limit, "get", "c3:col:status");
        Assert.Matches(@"uint nMetadataProcessed [1-9]", status.Stdout);
        Assert.Contains("string channel c3:y", status.Stdout[status.Stdout.IndexOf("metadataStats_2", StringComparison.Ordinal)..]);
    }

    [Theory]
    [InlineData("-ic x:* -pid range(1,1)", "--producer-id-list range(1,1): it names no id")]
    [InlineData("-ic x:* -pid 1,a", "'a' is not an integer")]
    [InlineData("-ic x:* -oo 0", "The object id offset must be at least 1, not 0.")]
    [InlineData("-pid 1,2", "the input channel is required")]
    [InlineData("-ic x:* -rs nonsense", "unknown section 'nonsense'")]
    public async Task Bad_input_is_refused_with_a_clear_message(string args, string message)
    {
        var result = await Tool.RunAsync(_env, Limit, ["collector", .. args.Split(' ')]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Stderr);
    }

    [Fact]
    public async Task Long_options_take_prefixes_and_the_version_flag_answers()
    {
        var version = await Tool.RunAsync(_env, Limit, "collector", "-v");
        Assert.Equal(0, version.ExitCode);
        Assert.StartsWith("pvstream ", version.Stdout);
        var run = await Tool.RunAsync(_env, Limit, "collector", "--input-ch", "x:*", "--producer-id", "[3,5]", "--collector-cache", "3", "--runt", "0.5",
            "--collector-max", "0.1");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("'producer-3': {'channel': 'x:3'", run.Stdout);
        Assert.Contains("'producer-5': {'channel': 'x:5'", run.Stdout);
    }

    private static void AssertMatches(string pattern, string text) => Assert.True(Regex.IsMatch(text, pattern), $"{pattern} not in:\n{text}");

    private static string ValueLine(string getOutput) =>
        getOutput.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith("ushort[] ", StringComparison.Ordinal));

    private async Task WaitForAsync(string channel, string message)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(40);
        ToolResult? last = null;
        while (DateTime.UtcNow < deadline)
        {
            last = await Tool.RunAsync(_env, Limit, "get", channel);
            if (last.Stdout.Contains(message, StringComparison.Ordinal))
            {
                return;
            }

            await Task.Delay(200);
        }

        Assert.Fail($"{channel} never showed '{message}'; last: {last}");
    }

    [GeneratedRegex(@"Published frames: (\d+)")]
    private static partial Regex PublishedFrames();
}
