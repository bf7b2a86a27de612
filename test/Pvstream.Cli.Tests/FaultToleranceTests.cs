using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Pvstream.Cli.Tests;

/// <summary>
/// Pipelines that lose a stage (SIGKILL) mid-stream and get it back, as processes on loopback: the source, a mirror,
/// one consumer of a distributed pair; and a consumer whose processor hangs. Every other stage keeps running and
/// reconnects by itself, and the counts account exactly for the frames lost in the gap.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed partial class FaultToleranceTests : IDisposable
{
    // Counts what a consumer processes: id runs (a source restarted from 1 begins a new one), repeated ids, and the last id
    // of the first run; with "hangAfter": n in its args it never returns from the object after the first n.
    private const string TrackerSource = """
        public sealed class Tracker(JsonObject c) : UserDataProcessor(c)
        {
            private readonly long _hangAfter = c["hangAfter"]?.GetValue<long>() ?? -1;
            private long _previous = -1, _runs, _repeated, _run1Last = -1, _count, _placeholders, _first = -1, _run2First = -1;
            public override PvValue? Process(PvValue v)
            {
                var id = v[ObjectIdField].GetInt64();
                if (_count == _hangAfter) Thread.Sleep(Timeout.Infinite);
                if (id <= 0) { _placeholders++; return v; } // a source's value before its first frame
                if (_first < 0) _first = id;
                if (id == _previous) _repeated++;
                if (_runs == 0 || id < _previous) { if (_runs == 1) { _run1Last = _previous; _run2First = id; } _runs++; }
                _previous = id;
                _count++;
                UpdateOutputChannel(v);
                return v;
            }
            public override IReadOnlyDictionary<string, object> GetStats() => new Dictionary<string, object>
            {
                ["runs"] = _runs, ["run1Last"] = _run1Last, ["lastId"] = _previous, ["nRepeated"] = _repeated, ["nSeen"] = _count, ["nPlaceholders"] = _placeholders, ["firstId"] = _first, ["run2First"] = _run2First,
            };
            public override IReadOnlyDictionary<string, ScalarType> GetStatsPvaTypes() => new Dictionary<string, ScalarType>
            {
                ["runs"] = ScalarType.Long, ["run1Last"] = ScalarType.Long, ["lastId"] = ScalarType.Long, ["nRepeated"] = ScalarType.Long, ["nSeen"] = ScalarType.Long, ["nPlaceholders"] = ScalarType.Long, ["firstId"] = ScalarType.Long, ["run2First"] = ScalarType.Long,
            };
        }
        """;

    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
    private readonly ConsumerTestEnvironment _env = new();

    public void Dispose() => _env.Dispose();

    [Fact]
    public async Task A_source_killed_and_restarted_is_found_again_and_every_frame_of_both_lives_is_processed_once()
    {
        var tracker = _env.WriteSource("Tracker.cs", TrackerSource);
        var sim1 = RunningTool.Start(_env.Variables, "ad-sim-server", "-cn", "f1:image", "-nx", "8", "-ny", "8", "-fps", "20", "-std", "2", "-rt", "60", "-dc", "-rp", "0");
        using var consumer = RunningTool.Start(_env.Variables, "consumer", "-ic", "f1:image", "-sqs", "100", "-rp", "0.5", "-rs", "processor,user",
            "-pf", tracker, "-pc", "Tracker");
        await consumer.StdoutLineAsync(l => Number(Processed(), l) >= 10, Limit);
        sim1.Dispose(); // SIGKILL

        await Task.Delay(1000);
        var sim2 = await Tool.RunAsync(_env.Variables, Limit, "ad-sim-server", "-cn", "f1:image", "-nx", "8", "-ny", "8", "-fps", "20", "-std", "10", "-rt", "3",
            "-shd", "2", "-dc", "-rp", "0");
        Assert.True(sim2.ExitCode == 0, sim2.ToString());
        var frames2 = Number(PublishedFrames(), sim2.Stdout);

        var last = await consumer.StdoutLineAsync(l => l.Contains($"'lastId': {frames2},", StringComparison.Ordinal), Limit);
        var final = await StopAsync(consumer);
        Assert.Equal(2, Number(Runs(), final));
        Assert.Equal(0, Number(Repeated(), final));
        Assert.Equal(0, Number(Missed(), final));
        // From the first frame of each life the consumer got (1 unless its search found the source late, as a loaded
        // machine can make it: those before are not counted, see docs/reliability.md), every frame once.
        var run1First = Number(FirstRealId(), final);
        var run2First = Number(Run2First(), final);
        Assert.InRange(run2First, 1, frames2);
        Assert.True(Number(Run1Last(), final) - run1First + 1 + frames2 - run2First + 1 == Number(Processed(), final), final);
        Assert.Equal(frames2, Number(LastId(), final));
        Assert.Contains("'lastId'", last);
    }

    [Fact]
    public async Task A_mirror_killed_and_restarted_is_found_again_and_the_consumer_counts_exactly_the_frames_of_the_gap_as_missed()
    {
        var tracker = _env.WriteSource("Tracker.cs", TrackerSource);
        using var sim = RunningTool.Start(_env.Variables, "ad-sim-server", "-cn", "f2:image", "-nx", "8", "-ny", "8", "-fps", "20", "-std", "2", "-rt", "8",
            "-shd", "2", "-dc", "-rp", "0");
        var mirror1 = RunningTool.Start(_env.Variables, "mirror-server", "-cm", "(f2:mirror,f2:image,pva,100)");
        using var consumer = RunningTool.Start(_env.Variables, "consumer", "-ic", "f2:mirror", "-sqs", "100", "-rp", "0.5", "-rs", "processor,user",
            "-pf", tracker, "-pc", "Tracker");
        await consumer.StdoutLineAsync(l => Number(Processed(), l) >= 10, Limit);
        mirror1.Dispose(); // SIGKILL

        await Task.Delay(1000);
        using var mirror2 = RunningTool.Start(_env.Variables, "mirror-server", "-cm", "(f2:mirror,f2:image,pva,100)");
        await sim.StdoutLineAsync(l => l.StartsWith("Server exiting after reaching runtime", StringComparison.Ordinal), Limit);
        var frames = Number(PublishedFrames(), await sim.StdoutLineAsync(l => l.StartsWith("Published frames:", StringComparison.Ordinal), Limit));

        await consumer.StdoutLineAsync(l => l.Contains($"'lastId': {frames},", StringComparison.Ordinal), Limit);
        var final = await StopAsync(consumer);
        Assert.True(1 == Number(Runs(), final), consumer.Transcript);
        Assert.Equal(0, Number(Repeated(), final));
        var missed = Number(Missed(), final);
        Assert.True(missed > 0, final);
        Assert.Equal(frames - Number(FirstId(), final) + 1, Number(Processed(), final) + missed);
    }

    [Fact]
    public async Task One_consumer_of_a_distributed_pair_killed_and_restarted_leaves_the_other_running_and_the_collector_counts_the_gap_exactly()
    {
        var tracker = _env.WriteSource("Tracker.cs", TrackerSource);
        using var sim = RunningTool.Start(_env.Variables, "ad-sim-server", "-cn", "f3:image", "-nx", "8", "-ny", "8", "-fps", "20", "-std", "4", "-rt", "8",
            "-shd", "3", "-dc", "-rp", "0");
        using var collector = RunningTool.Start(_env.Variables, "collector", "-pid", "1,2", "-ic", "f3:*:output", "-cmw", "1", "-sqs", "100", "-rp", "0.5",
            "-pf", tracker, "-pc", "Tracker");
        string[] Consumer(int id) => ["consumer", "-ic", "f3:image", "-id", id.ToString(CultureInfo.InvariantCulture), "-du", "1", "-oo", "2", "-sqs", "100",
            "-oc", "f3:*:output", "-rp", "0.5", "-rs", "processor"];
        using var first = RunningTool.Start(_env.Variables, Consumer(1));
        var second = RunningTool.Start(_env.Variables, Consumer(2));
        await collector.StdoutLineAsync(l => Number(Seen(), l) >= 20, Limit);
        second.Dispose(); // SIGKILL
        var before = Number(Processed(), await first.StdoutLineAsync(l => l.Contains("'nProcessed'", StringComparison.Ordinal), Limit));

        await Task.Delay(1000);
        using var restarted = RunningTool.Start(_env.Variables, Consumer(2));
        var frames = Number(PublishedFrames(), await sim.StdoutLineAsync(l => l.StartsWith("Published frames:", StringComparison.Ordinal), Limit));
        await collector.StdoutLineAsync(l => Number(LastId(), l) == frames, Limit);
        await Task.Delay(1500); // a last report
        Assert.False(first.HasExited);
        Assert.True(Number(Processed(), first.Transcript) > before, first.Transcript);

        var report = collector.Transcript;
        var collected = Number(Collected(), report);
        var missed = Number(CollectorMissed(), report);
        Assert.True(missed < 60, report); // only the frames of the gap (20 fps, a second or two)
        // Every id from the first the collector got (1 unless it connected late) on was processed or counted missed (the
        // collector also collects the outputs' values from before the first frame, id 0, and skips the first it collects).
        Assert.True(frames - Number(FirstRealId(), report) + 1 == Number(Seen(), report) + missed, report);
        Assert.True(collected == Number(Seen(), report) + Number(Placeholders(), report) + 1, report);
        Assert.Equal(0, Number(Repeated(), report));
        Assert.Equal(1, Number(Runs(), report));
    }

    [Fact]
    public async Task A_consumer_whose_processor_hangs_does_not_stop_the_other_shows_the_hang_and_both_stop_on_sigterm()
    {
        var tracker = _env.WriteSource("Tracker.cs", TrackerSource);
        using var sim = RunningTool.Start(_env.Variables, "ad-sim-server", "-cn", "f4:image", "-nx", "8", "-ny", "8", "-fps", "40", "-std", "4", "-rt", "5",
            "-shd", "3", "-dc", "-rp", "0");
        using var hung = RunningTool.Start(_env.Variables, "consumer", "-ic", "f4:image", "-id", "1", "-du", "1", "-oo", "2", "-sqs", "10", "-rqs", "20",
            "-sc", "f4:*:status", "-rp", "0.5", "-rs", "processor,queue", "-pf", tracker, "-pc", "Tracker", "-pa", """{"hangAfter": 10}""",
            "--processor-timeout", "1");
        using var other = RunningTool.Start(_env.Variables, "consumer", "-ic", "f4:image", "-id", "2", "-du", "1", "-oo", "2", "-sqs", "10",
            "-rp", "0.5", "-rs", "processor", "-pf", tracker, "-pc", "Tracker");

        // The watchdog: one warning for the hang, with the object's id, within about a second of it.
        var warning = await hung.StderrLineAsync(l => l.Contains("Processor hung: its Process call on object", StringComparison.Ordinal), Limit);
        var hungId = Number(HungObject(), warning);
        Assert.True(hungId > 0, warning);

        var frames = Number(PublishedFrames(), await sim.StdoutLineAsync(l => l.StartsWith("Published frames:", StringComparison.Ordinal), Limit));
        await other.StdoutLineAsync(l => Number(LastObjectId(), l) >= frames - 1, Limit);

        // The hung one: processed 10, its receiver queue full and rejecting what comes next, the hang in its status (read
        // until a status update shows it all: on a loaded machine the last one may be a moment old).
        Regex[] expected =
        [
            new(@"uint nProcessed 10\s"), new(@"uint nQueued 20\s"), new(@"uint nRejected [1-9]\d*\s"),
            new(@"structure processorHangs\s+uint nHangs 1\s+boolean hung true\s+uint hungObjectId " + hungId + @"\s+double hungTime [1-9]"),
        ];
        var status = await Tool.RunAsync(_env.Variables, Limit, "get", "f4:1:status");
        for (var waited = Stopwatch.StartNew(); !expected.All(e => e.IsMatch(status.Stdout)) && waited.Elapsed < TimeSpan.FromSeconds(10);)
        {
            await Task.Delay(500);
            status = await Tool.RunAsync(_env.Variables, Limit, "get", "f4:1:status");
        }

        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.All(expected, e => Assert.Matches(e, status.Stdout));
        Assert.False(hung.HasExited);

        // SIGTERM to both: the other stops cleanly with every frame of its share; the hung one stops within its bounded
        // wait (5 s), prints its final report with the hang, says what did not stop and exits with 1.
        var stopOther = StopAsync(other, "-TERM");
        using (var term = Process.Start("kill", ["-TERM", hung.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync().WaitAsync(Limit);
        }

        var stopping = Stopwatch.StartNew();
        Assert.True(await hung.WaitForExitAsync(TimeSpan.FromSeconds(20)) == 1, hung.Transcript);
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(12), $"{stopping.Elapsed} to stop");
        var final = await stopOther;
        Assert.Equal(0, Number(Missed(), final));
        Assert.Equal(((Number(LastObjectId(), final) - Number(FirstId(), final)) / 2) + 1, Number(Processed(), final));

        await hung.StderrLineAsync(l => l.StartsWith($"Error: consumer 1: the processor did not stop within 5 s: its Process call on object {hungId} has run for",
            StringComparison.Ordinal), Limit);
        await Task.Delay(500); // the last lines through the pipe
        Assert.Contains("'processorHangs': {'hung': True, 'hungObjectId': " + hungId + ", 'hungTime': ", hung.Transcript);
        Assert.Single(Regex.Matches(hung.Transcript, "Processor hung:"));
    }

    private static async Task<string> StopAsync(RunningTool consumer, string signal = "-INT")
    {
        using (var interrupt = Process.Start("kill", [signal, consumer.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await interrupt.WaitForExitAsync().WaitAsync(Limit);
        }

        Assert.True(await consumer.WaitForExitAsync(TimeSpan.FromSeconds(30)) == 0, consumer.Transcript);
        await Task.Delay(500); // the last lines through the pipe
        return consumer.Transcript;
    }

    // The last value in text (the final report comes last).
    private static long Number(Regex pattern, string text)
    {
        var all = pattern.Matches(text);
        return all.Count > 0 ? long.Parse(all[^1].Groups[1].Value, CultureInfo.InvariantCulture) : -1;
    }

    [GeneratedRegex(@"'nProcessed': (\d+)")]
    private static partial Regex Processed();

    [GeneratedRegex(@"'nMissed': (\d+)")]
    private static partial Regex Missed();

    [GeneratedRegex(@"'firstObjectId': (\d+)")]
    private static partial Regex FirstId();

    [GeneratedRegex(@"'runs': (\d+)")]
    private static partial Regex Runs();

    [GeneratedRegex(@"'run1Last': (-?\d+)")]
    private static partial Regex Run1Last();

    [GeneratedRegex(@"'run2First': (-?\d+)")]
    private static partial Regex Run2First();

    [GeneratedRegex(@"'nRepeated': (\d+)")]
    private static partial Regex Repeated();

    [GeneratedRegex(@"'lastId': (-?\d+)")]
    private static partial Regex LastId();

    [GeneratedRegex(@"'firstId': (-?\d+)")]
    private static partial Regex FirstRealId();

    [GeneratedRegex(@"'nPlaceholders': (\d+)")]
    private static partial Regex Placeholders();

    [GeneratedRegex(@"'lastObjectId': (\d+)")]
    private static partial Regex LastObjectId();

    [GeneratedRegex(@"'nSeen': (\d+)")]
    private static partial Regex Seen();

    [GeneratedRegex(@"'collectorStats': \{[^}]*'nCollected': (\d+)")]
    private static partial Regex Collected();

    [GeneratedRegex(@"'collectorStats': \{[^}]*'nMissed': (\d+)")]
    private static partial Regex CollectorMissed();

    [GeneratedRegex(@"on object (\d+) has run")]
    private static partial Regex HungObject();

    [GeneratedRegex(@"Published frames: (\d+)")]
    private static partial Regex PublishedFrames();
}
