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
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);
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

        // Both consumers join before the first frame and stay until the last one (frames for 3 s from t = 10 s).
        using var sim = RunningTool.Start(_env.Variables, "ad-sim-server", "-cn", "s1:image", "-nx", "8", "-ny", "8", "-fps", "30", "-std", "10", "-rt", "3",
            "-shd", "15", "-dc", "-rp", "0");
        var a = Tool.RunAsync(_env.Variables, Limit, "consumer", "-ic", "s1:image", "-id", "1", "-du", "3", "-ds", "A", "-nds", "2", "-rt", "16",
            "-pf", source, "-pc", "RunCheck");
        var b = Tool.RunAsync(_env.Variables, Limit, "consumer", "-ic", "s1:image", "-id", "3", "-du", "3", "-ds", "B", "-nds", "2", "-rt", "16",
            "-pf", source, "-pc", "RunCheck");
        var results = await Task.WhenAll(a, b);
        var runs = new List<(long Run0, long Run1)>();
        foreach (var r in results)
        {
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Contains("'nMissed': 0,", r.Stdout);
            var processed = Number(Processed(), r.Stdout);
            var run0 = Number(Run0(), r.Stdout);
            var run1 = Number(Run1(), r.Stdout);
            Assert.True(processed >= 30, r.Stdout);
            Assert.Equal(processed, run0 + run1);
            Assert.True(run0 == 0 || run1 == 0, $"a set got frames of both runs: {r.Stdout}");
            runs.Add((run0, run1));
        }

        // One set took the runs the other did not, and together they saw every frame.
        Assert.True((runs[0].Run0 > 0 && runs[1].Run1 > 0) || (runs[0].Run1 > 0 && runs[1].Run0 > 0), string.Join(" / ", results.Select(r => r.Stdout)));
        var first = results.Min(r => Number(FirstId(), r.Stdout));
        var last = results.Max(r => Number(LastId(), r.Stdout));
        Assert.Equal(last - first + 1, runs.Sum(r => r.Run0 + r.Run1));
    }

    private static long Number(Regex pattern, string text) => long.Parse(pattern.Matches(text)[^1].Groups[1].Value, CultureInfo.InvariantCulture);

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
