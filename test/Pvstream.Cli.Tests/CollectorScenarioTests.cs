using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Pvstream.Cli.Tests;

/// <summary>
/// The reference's collector scenarios at their documented sizes (framework.md Appendix A.7 to A.9), every stage a
/// process: 3840x2160 frames split, passed by four distributed consumers and stitched back bit for bit; a 2 kHz stream
/// through a mirror and four processing consumers gathered in order; PVA metadata x, y and z on every collected image.
/// The simulator publishes only after every stage has had the first object of each of its inputs, so every frame must come through.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed partial class CollectorScenarioTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(150);
    private readonly ConsumerTestEnvironment _env = new();

    public void Dispose() => _env.Dispose();

    private static string Examples => Path.Combine(Repository.Root, "examples", "processors");

    private Dictionary<string, string> Env => _env.Variables;

    [Fact]
    public async Task Frames_of_3840x2160_at_20_hz_split_passed_by_four_consumers_and_stitched_are_each_the_original()
    {
        var checksums = _env.WriteSource("FrameChecksums.cs", ScenarioProcessors.FrameChecksums);
        var originals = Path.Combine(_env.Scratch, "originals.txt");
        var stitched = Path.Combine(_env.Scratch, "stitched.txt");

        // 20 s at 20 Hz of 8.3 MB frames (16 distinct random ones, cycled: 130 MB in the simulator). Server queues hold
        // 5 s of frames or tiles per client (filled only while that client lags, 830 MB at worst for a whole-frame
        // reader): a stage starved of CPU for seconds on a busy machine loses nothing, memory stays bounded.
        var sim = Tool.RunAsync(Env, Limit, "ad-sim-server", "-cn", "s4:image", "-nx", "3840", "-ny", "2160", "-dt", "uint8", "-fps", "20", "-rt", "20",
            "-nf", "16", "-std", "25", "-shd", "1", "-dc", "-rp", "0");
        // The latency bound releases a frame 2 s after its first tile, so a consumer may stall for up to 2 s (0.4 s was
        // seen on a busy machine); the cache (5 s of tiles) does not fill first, which would release whole runs.
        using var collector = RunningTool.Start(Env, "collector", "-pid", "1,2,3,4", "-ic", "s4:pass:*", "-oc", "s4:stitched", "-sc", "s4:col:status",
            "-sqs", "100", "-ccs", "400", "-cmw", "2", "-pf", Path.Combine(Examples, "StitchAdImageProcessor.cs"), "-pc", "StitchAdImageProcessor", "-rp", "1", "-rs", "user");
        using var stitchedSums = RunningTool.Start(Env, "consumer", "-ic", "s4:stitched", "-id", "21", "-sc", "s4:sums:*:status", "-sqs", "100", "-siu", "0",
            "-pf", checksums, "-pc", "FrameChecksums", "-pa", new JsonObject { ["file"] = stitched }.ToJsonString(), "-rp", "1", "-rs", "processor");
        using var passing = RunningTool.Start(Env, "consumer", "-ic", "s4:split", "-nc", "4", "-du", "1", "-sqs", "100", "-oc", "s4:pass:*",
            "-sc", "s4:pass:*:status", "-rp", "1", "-rs", "processor");
        using var split = RunningTool.Start(Env, "consumer", "-ic", "s4:image", "-oc", "s4:split", "-sc", "s4:split:status", "-sqs", "100",
            "-pf", Path.Combine(Examples, "SplitAdImageProcessor.cs"), "-pc", "SplitAdImageProcessor", "-pa", """{"nx": 1920, "ny": 1080}""", "-rp", "1", "-rs", "processor");
        using var originalSums = RunningTool.Start(Env, "consumer", "-ic", "s4:image", "-id", "20", "-sc", "s4:sums:*:status", "-sqs", "100", "-siu", "0",
            "-pf", checksums, "-pc", "FrameChecksums", "-pa", new JsonObject { ["file"] = originals }.ToJsonString(), "-rp", "1", "-rs", "processor");
        foreach (var (channel, inputs) in new[] { ("s4:split:status", 1), ("s4:sums:20:status", 1), ("s4:pass:1:status", 1), ("s4:pass:2:status", 1),
            ("s4:pass:3:status", 1), ("s4:pass:4:status", 1), ("s4:col:status", 4), ("s4:sums:21:status", 1) })
        {
            await WaitForInputsAsync(channel, inputs);
        }

        var published = await sim;
        Assert.True(published.ExitCode == 0, published.ToString());
        var frames = Number(PublishedFrames(), published.Stdout);
        Assert.True(frames >= 380, published.Stdout);

        // Every frame, from 1 to the last, checksummed on both sides (the collector hands a run over within 1 s).
        var diagnosis = new Lazy<Task<string>>(() => DiagnoseAsync([collector, split, passing],
            "s4:sums:20:status", "s4:split:status", "s4:pass:1:status", "s4:pass:2:status", "s4:pass:3:status", "s4:pass:4:status", "s4:sums:21:status"));
        var expected = await LinesUpToAsync(originals, frames, originalSums, diagnosis);
        var actual = await LinesUpToAsync(stitched, frames, stitchedSums, diagnosis);
        var ids = Enumerable.Range(1, (int)frames).ToList();
        if (!ids.SequenceEqual(expected.Select(IdOf)) || !ids.SequenceEqual(actual.Select(IdOf)))
        {
            Assert.Fail($"ids missing: {string.Join(' ', ids.Except(expected.Select(IdOf)))} of the originals, "
                + $"{string.Join(' ', ids.Except(actual.Select(IdOf)))} of the stitched frames\n{await diagnosis.Value}");
        }

        Assert.All(expected, l => Assert.Contains(" 3840x2160 ", l, StringComparison.Ordinal));
        Assert.Equal(expected, actual);

        await WaitForStatusAsync("s4:col:status", $"uint nFramesStitched {frames}\n", diagnosis: diagnosis);
        var status = await GetAsync("s4:col:status");
        await AssertNothingLostAsync(status, diagnosis);
        Assert.Equal(frames, Number(StatValue("nFramesStitched"), status));
        Assert.Equal(0, Number(StatValue("nFramesMissed"), status));
        Assert.Equal(0, Number(StatValue("nTilesDiscarded"), status));
        Assert.Equal(4 * frames, Number(StatValue("nTilesProcessed"), status));
    }

    [Fact]
    public async Task A_2_khz_stream_through_a_mirror_and_four_processing_consumers_is_collected_in_order_with_none_missed()
    {
        var order = _env.WriteSource("OrderCheck.cs", ScenarioProcessors.OrderCheck);
        var sim = Tool.RunAsync(Env, Limit, "ad-sim-server", "-cn", "m2:detector", "-nx", "128", "-ny", "128", "-fps", "2000", "-rt", "10",
            "-std", "20", "-shd", "1", "-dc", "-rp", "0");
        // The mirror's source queue holds 5 s of frames (80 MB at most): a mirror starved of CPU on a busy machine catches up.
        using var mirror = RunningTool.Start(Env, "mirror-server", "-cm", "(m2:image,m2:detector,pva,10000)", "-ll", "info", "-rp", "2");
        // The reference's collector options but for the cache: 16000 instead of 10000, as the cache must cover the skew
        // between producers and a consumer starved of CPU on a busy machine was seen 1.5 s (12000 ids) behind the others.
        // Server queues so that no burst of 8 is merged.
        using var collector = RunningTool.Start(Env, "collector", "-pid", "1,2,3,4", "-ic", "m2:*:output", "-sc", "m2:col:status", "-ccs", "16000",
            "-rqs", "2000", "-sqs", "2000", "-pf", order, "-pc", "OrderCheck", "-rp", "1", "-rs", "user");
        using var consumers = RunningTool.Start(Env, "consumer", "-ic", "m2:image", "-nc", "4", "-du", "8", "-sqs", "2000", "-oc", "m2:*:output",
            "-sc", "m2:*:status", "-pf", Path.Combine(Examples, "HpcAdImageProcessor.cs"), "-pc", "HpcAdImageProcessor", "-rp", "1", "-rs", "processor");
        await mirror.StderrLineAsync(l => l.Contains("Source m2:detector connected", StringComparison.Ordinal), Limit);
        for (var id = 1; id <= 4; id++)
        {
            await WaitForInputsAsync($"m2:{id}:status", 1);
        }

        await WaitForInputsAsync("m2:col:status", 4);

        var published = await sim;
        Assert.True(published.ExitCode == 0, published.ToString());
        var frames = Number(PublishedFrames(), published.Stdout);
        Assert.True(frames >= 19_000, published.Stdout);

        // The cache holds the tail until the stream has been quiet for 5 s (the reference's rule).
        var diagnosis = new Lazy<Task<string>>(() => DiagnoseAsync([mirror, consumers], "m2:1:status", "m2:2:status", "m2:3:status", "m2:4:status"));
        await WaitForStatusAsync("m2:col:status", $"long lastId {frames}\n", TimeSpan.FromSeconds(90), diagnosis);
        var status = await GetAsync("m2:col:status");
        await AssertNothingLostAsync(status, diagnosis);
        Assert.Equal(1, Number(StatValue("firstId"), status));
        Assert.Equal(frames, Number(StatValue("nDistinct"), status));
        Assert.Equal(0, Number(StatValue("nOutOfOrder"), status));
    }

    [Fact]
    public async Task A_collector_with_pva_metadata_x_y_and_z_attaches_all_three_to_every_image()
    {
        var check = _env.WriteSource("AttributeCheck.cs", ScenarioProcessors.AttributeCheck);
        var sim = Tool.RunAsync(Env, Limit, "ad-sim-server", "-cn", "m3:image", "-nx", "64", "-ny", "64", "-fps", "50", "-rt", "6",
            "-mpv", "pva://m3:x,pva://m3:y,pva://m3:z", "-std", "15", "-shd", "1", "-dc", "-rp", "0");
        // Server queues on the image and the metadata monitors: no update merged away at 50 Hz. Runs are released by the
        // latency bound, not by a full cache (1000 frames): a full cache hands the frame that filled it over at once,
        // possibly before its metadata, which comes over other monitors, has been queued (seen on a busy machine).
        using var collector = RunningTool.Start(Env, "collector", "-pid", "1", "-ic", "m3:image", "-oc", "m3:col:output", "-sc", "m3:col:status",
            "-mc", "pva://m3:x,pva://m3:y,pva://m3:z", "-sqs", "100", "-ccs", "1000", "-cmw", "0.2", "-pf", Path.Combine(Examples, "HpcAdMetadataProcessor.cs"),
            "-pc", "HpcAdMetadataProcessor", "-pa", """{"timestampTolerance": 0.005}""", "-rp", "1", "-rs", "user");
        using var reader = RunningTool.Start(Env, "consumer", "-ic", "m3:col:output", "-sc", "m3:check:*:status", "-sqs", "100", "-siu", "0", "-pf", check,
            "-pc", "AttributeCheck", "-pa", """{"names": "m3:x,m3:y,m3:z"}""", "-rp", "1", "-rs", "user");
        await WaitForInputsAsync("m3:col:status", 4); // the image and the three metadata channels
        await WaitForInputsAsync("m3:check:1:status", 1);

        var published = await sim;
        Assert.True(published.ExitCode == 0, published.ToString());
        var frames = Number(PublishedFrames(), published.Stdout);
        Assert.True(frames >= 250, published.Stdout);

        await WaitForStatusAsync("m3:check:1:status", $"long lastId {frames}\n");
        await WaitForStatusAsync("m3:col:status", $"uint nFramesProcessed {frames}\n");
        var checkStatus = await GetAsync("m3:check:1:status");
        Assert.Equal(frames, Number(StatValue("nComplete"), checkStatus));
        Assert.Equal(0, Number(StatValue("nLacking"), checkStatus));
        var status = await GetAsync("m3:col:status");
        AssertNothingLost(status);
        Assert.Equal(frames, Number(StatValue("nFramesProcessed"), status));
        Assert.Equal(0, Number(StatValue("nFrameErrors"), status));
        Assert.Equal(3 * frames, Number(StatValue("nMetadataProcessed"), status));
        var output = await Tool.RunAsync(Env, Limit, "get", "m3:col:output");
        foreach (var name in new[] { "m3:x", "m3:y", "m3:z" })
        {
            Assert.Matches($@"string name {name}\s+any value\s+float ", output.Stdout);
        }
    }

    private static void AssertNothingLost(string status) => Assert.True(NothingLost().IsMatch(status), status);

    private static async Task AssertNothingLostAsync(string status, Lazy<Task<string>> diagnosis)
    {
        if (!NothingLost().IsMatch(status))
        {
            Assert.Fail($"{status}\n{await diagnosis.Value}");
        }
    }

    // What the upstream stages counted and said, for a failure message.
    private async Task<string> DiagnoseAsync(RunningTool[] stages, params string[] statusChannels)
    {
        var text = new System.Text.StringBuilder();
        foreach (var channel in statusChannels)
        {
            var status = await Tool.RunAsync(Env, Limit, "get", channel);
            var counts = status.Stdout.Split('\n').Select(l => l.Trim()).Where(l => CountLine().IsMatch(l));
            text.AppendLine(CultureInfo.InvariantCulture, $"{channel}: {string.Join(", ", counts)}");
        }

        foreach (var stage in stages)
        {
            var lines = stage.Transcript.Split('\n');
            text.AppendLine(string.Join('\n', lines.Skip(Math.Max(0, lines.Length - 30))));
        }

        return text.ToString();
    }

    // The lines of a checksum file once it has one for the last frame, in id order.
    private static async Task<List<string>> LinesUpToAsync(string file, long lastId, RunningTool writer, Lazy<Task<string>> diagnosis)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var lines = File.Exists(file) ? await File.ReadAllLinesAsync(file) : [];
            if (lines.Any(l => IdOf(l) == lastId))
            {
                return [.. lines.OrderBy(IdOf)];
            }

            await Task.Delay(250);
        }

        Assert.Fail($"{Path.GetFileName(file)} never got frame {lastId}; the writer said:\n{writer.Transcript}\n{await diagnosis.Value}");
        return [];
    }

    private static int IdOf(string line) => int.Parse(line.AsSpan(0, line.IndexOf(' ', StringComparison.Ordinal)), CultureInfo.InvariantCulture);

    private async Task<string> GetAsync(string channel)
    {
        var result = await Tool.RunAsync(Env, Limit, "get", channel);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Stdout;
    }

    // Until the stage has had the first object (the upstream's current value) from each of its inputs: then it is
    // subscribed, and every frame the simulator publishes later reaches it. A status channel shows it within a second.
    private async Task WaitForInputsAsync(string channel, int inputs)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        ToolResult? last = null;
        while (DateTime.UtcNow < deadline)
        {
            last = await Tool.RunAsync(Env, Limit, "get", channel);
            if (InputReceived().Matches(last.Stdout).Count >= inputs)
            {
                return;
            }

            await Task.Delay(1000);
        }

        Assert.Fail($"{channel} never had an object from each of its {inputs} input(s); last: {last}");
    }

    // Stages start slowly on a loaded machine (each compiles its processor): a minute for a status channel to answer.
    private async Task WaitForStatusAsync(string channel, string text, TimeSpan? limit = null, Lazy<Task<string>>? diagnosis = null)
    {
        var deadline = DateTime.UtcNow + (limit ?? TimeSpan.FromSeconds(60));
        ToolResult? last = null;
        while (DateTime.UtcNow < deadline)
        {
            last = await Tool.RunAsync(Env, Limit, "get", channel);
            if (last.Stdout.Contains(text, StringComparison.Ordinal))
            {
                return;
            }

            await Task.Delay(200);
        }

        Assert.Fail($"{channel} never showed '{text}'; last: {last}\n{(diagnosis is null ? string.Empty : await diagnosis.Value)}");
    }

    private static long Number(Regex pattern, string text)
    {
        var matches = pattern.Matches(text);
        Assert.True(matches.Count > 0, $"{pattern} not in:\n{text}");
        return long.Parse(matches[^1].Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static Regex StatValue(string name) => new($@"\b(?:u?long|u?int) {name} (-?\d+)");

    [GeneratedRegex(@"structure collectorStats\s+uint nCollected \d+\s+double collectedRate \S+\s+uint nRejected 0\s+double rejectedRate \S+\s+uint nMissed 0\s")]
    private static partial Regex NothingLost();

    [GeneratedRegex(@"structure receiverStats\s+uint nReceived [1-9]")]
    private static partial Regex InputReceived();

    [GeneratedRegex(@"^u?(int|long) n[A-Z]\w* \d+$")]
    private static partial Regex CountLine();

    [GeneratedRegex(@"Published frames: (\d+)")]
    private static partial Regex PublishedFrames();
}
