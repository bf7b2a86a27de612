using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Pvstream.Cli.Tests;

/// <summary>
/// framework.md §6.4, sets A and B as processes: <c>pvstream ad-sim-server</c> and two consumers with <c>-du 3 -nds 2</c>
/// in different sets. Each set gets runs of three consecutive frames in turn (1,2,3,7,8,9,… and 4,5,6,10,11,12,…), and
/// neither counts a missed frame.
/// </summary>
public sealed partial class ConsumerDistributorSetsTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
    private readonly ConsumerTestEnvironment _env = new();

    public void Dispose() => _env.Dispose();

    [Fact]
    public async Task Two_sets_with_three_updates_each_get_alternate_runs_of_three_frames_and_miss_none()
    {
        // Counts the objects by the run of three they belong to: ids 1-3, 7-9, ... are run 0; 4-6, 10-12, ... run 1.
        var source = _env.WriteSource("RunCheck.cs", """
            public sealed class RunCheck(JsonObject c) : UserDataProcessor(c)
            {
                private long _run0, _run1;
                public override PvValue? Process(PvValue v)
                {
                    var id = v["uniqueId"].GetInt64();
                    if ((id - 1) / 3 % 2 == 0) { _run0++; } else { _run1++; }
                    return v;
                }
                public override IReadOnlyDictionary<string, object> GetStats() => new Dictionary<string, object> { ["run0"] = _run0, ["run1"] = _run1 };
                public override IReadOnlyDictionary<string, ScalarType> GetStatsPvaTypes() => new Dictionary<string, ScalarType> { ["run0"] = ScalarType.ULong, ["run1"] = ScalarType.ULong };
            }
            """);

        // Both consumers subscribe (their first report shows the initial object) before the first frame, and are stopped
        // once the last one is out; a server queue keeps a loaded machine from coalescing frames.
        using var sim = RunningTool.Start(_env.Variables, "ad-sim-server", "-cn", "s1:image", "-nx", "8", "-ny", "8", "-fps", "30", "-std", "15", "-rt", "3",
            "-shd", "30", "-dc", "-rp", "1");
        using var a = RunningTool.Start(_env.Variables, "consumer", "-ic", "s1:image", "-id", "1", "-du", "3", "-ds", "A", "-nds", "2", "-sqs", "100",
            "-rp", "1", "-pf", source, "-pc", "RunCheck");
        using var b = RunningTool.Start(_env.Variables, "consumer", "-ic", "s1:image", "-id", "3", "-du", "3", "-ds", "B", "-nds", "2", "-sqs", "100",
            "-rp", "1", "-pf", source, "-pc", "RunCheck");
        foreach (var consumer in new[] { a, b })
        {
            await consumer.StdoutLineAsync(l => l.Contains("'nReceived': 1,", StringComparison.Ordinal), Limit);
        }

        Assert.DoesNotContain("Published frame", sim.Transcript); // nothing published yet: both saw every frame they were given
        await sim.StdoutLineAsync(l => l.StartsWith("Server exiting after reaching runtime", StringComparison.Ordinal), Limit);
        await Task.Delay(1000); // the last frames in flight
        var results = new List<string>();
        foreach (var consumer in new[] { a, b })
        {
            using (var interrupt = Process.Start("kill", ["-INT", consumer.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await interrupt.WaitForExitAsync().WaitAsync(Limit);
            }

            Assert.True(await consumer.WaitForExitAsync(TimeSpan.FromSeconds(30)) == 0, consumer.Transcript);
            results.Add(consumer.Transcript);
        }

        var runs = new List<(long Run0, long Run1)>();
        foreach (var r in results)
        {
            Assert.Equal(0, Number(Missed(), r));
            var processed = Number(Processed(), r);
            var run0 = Number(Run0(), r);
            var run1 = Number(Run1(), r);
            Assert.True(processed >= 30, r);
            Assert.Equal(processed, run0 + run1);
            Assert.True(run0 == 0 || run1 == 0, $"a set got frames of both runs: {r}");
            runs.Add((run0, run1));
        }

        // One set took the runs the other did not, and together they saw every frame.
        Assert.True((runs[0].Run0 > 0 && runs[1].Run1 > 0) || (runs[0].Run1 > 0 && runs[1].Run0 > 0), string.Join(" / ", results));
        var first = results.Min(r => Number(FirstId(), r));
        var last = results.Max(r => Number(LastId(), r));
        Assert.Equal(last - first + 1, runs.Sum(r => r.Run0 + r.Run1));
    }

    private static long Number(Regex pattern, string text) => long.Parse(pattern.Matches(text)[^1].Groups[1].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"'nMissed': (\d+)")]
    private static partial Regex Missed();

    [GeneratedRegex(@"'nProcessed': (\d+)")]
    private static partial Regex Processed();

    [GeneratedRegex(@"'run0': (\d+)")]
    private static partial Regex Run0();

    [GeneratedRegex(@"'run1': (\d+)")]
    private static partial Regex Run1();

    [GeneratedRegex(@"'firstObjectId': (\d+)")]
    private static partial Regex FirstId();

    [GeneratedRegex(@"'lastObjectId': (\d+)")]
    private static partial Regex LastId();
}
