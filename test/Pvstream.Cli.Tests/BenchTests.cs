using Epics.Streaming.Consumer;
using Epics.Streaming.Processing;
using Pvstream.Bench;
using Pvstream.Streaming;

namespace Pvstream.Cli.Tests;

/// <summary><c>pvstream bench</c> without processes: the rate search with a fake runner, report reading, tables and plot.</summary>
public sealed class BenchTests
{
    private static readonly FrameSpec Frame = new(1024, 1024, "uint8");
    private static readonly BenchCell Cell = new(Frame, 2, 0, 500);

    [Theory]
    [InlineData(3249, 3200)]
    [InlineData(152, 150)]
    [InlineData(7.44, 7.4)]
    [InlineData(10_000, 10_000)]
    [InlineData(99_600, 100_000)]
    public void Rates_keep_two_significant_digits(double rate, double expected) => Assert.Equal(expected, RateSearch.Round(rate));

    [Fact]
    public async Task The_search_doubles_then_bisects_to_the_highest_passing_rate()
    {
        var runner = new ThresholdRunner(3300);
        var result = await new RateSearch(runner, new SearchOptions { StartRate = 1000, Precision = 0.05, MaxTrials = 20 })
            .SearchAsync(Cell, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([1000, 2000, 4000], runner.Rates.Take(3));
        Assert.True(result.Rate <= 3300 && result.Rate >= 3100, $"best {result.Rate}");
        Assert.NotNull(result.FirstFailure);
        Assert.True(result.FirstFailure!.Spec.Rate > 3300 && result.FirstFailure.Spec.Rate <= result.Rate * 1.05 + 100);
        Assert.Equal(runner.Rates.Count, result.Trials);
        Assert.All(runner.Rates, r => Assert.Equal(r, RateSearch.Round(r)));
        Assert.Contains("missed", result.Limiter, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_first_rate_that_fails_is_halved_until_one_passes()
    {
        var runner = new ThresholdRunner(300);
        var result = await new RateSearch(runner, new SearchOptions { StartRate = 1000, Precision = 0.5 })
            .SearchAsync(Cell, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal([1000, 500, 250], runner.Rates.Take(3));
        Assert.Equal(250, result.Rate);
    }

    [Fact]
    public async Task The_search_stops_at_the_maximum_rate_the_trial_limit_and_the_budget()
    {
        var all = new ThresholdRunner(double.MaxValue);
        var capped = await new RateSearch(all, new SearchOptions { StartRate = 100, MaxRate = 700 }).SearchAsync(Cell, CancellationToken.None);
        Assert.Equal([100, 200, 400, 700], all.Rates);
        Assert.Equal(700, capped.Rate);
        Assert.Contains("maximum rate", capped.Limiter, StringComparison.Ordinal);

        var limited = new ThresholdRunner(double.MaxValue);
        var few = await new RateSearch(limited, new SearchOptions { StartRate = 100, MaxTrials = 2 }).SearchAsync(Cell, CancellationToken.None);
        Assert.Equal(2, few.Trials);
        Assert.Contains("trial limit", few.Limiter, StringComparison.Ordinal);

        var spent = new ThresholdRunner(double.MaxValue);
        var none = await new RateSearch(spent, new SearchOptions { StartRate = 100 }, outOfTime: () => true).SearchAsync(Cell, CancellationToken.None);
        Assert.Empty(spent.Rates);
        Assert.Equal(0, none.Rate);
        Assert.Contains("time budget", none.Limiter, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_trial_whose_processes_were_slow_to_start_runs_again_once()
    {
        var runner = new ThresholdRunner(3300) { SetupFailures = { 2000 } };
        var notes = new List<string>();
        var result = await new RateSearch(runner, new SearchOptions { StartRate = 1000, Precision = 0.05, MaxTrials = 20 }, onSetupFailure: notes.Add)
            .SearchAsync(Cell, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([1000, 2000, 2000, 4000], runner.Rates.Take(4));
        Assert.True(result.Rate is >= 3100 and <= 3300, $"best {result.Rate}");
        Assert.Contains("trying again", Assert.Single(notes), StringComparison.Ordinal);
        Assert.DoesNotContain("setup", result.Limiter, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cell_whose_processes_never_start_keeps_what_it_measured_and_says_why()
    {
        var runner = new ThresholdRunner(3300) { SetupFailures = { 4000, 4000 } };
        var result = await new RateSearch(runner, new SearchOptions { StartRate = 1000, MaxTrials = 20 })
            .SearchAsync(Cell, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([1000, 2000, 4000, 4000], runner.Rates);
        Assert.Equal(2000, result.Rate);
        Assert.Contains("search cut short by a setup failure: consumers not up", result.Limiter, StringComparison.Ordinal);
    }

    [Fact]
    public void The_first_rate_follows_the_frame_size()
    {
        var options = new SearchOptions();
        Assert.Equal(480, options.FirstRate(Frame));
        Assert.Equal(10_000, options.FirstRate(new FrameSpec(128, 128, "uint8")));
        Assert.Equal(30, options.FirstRate(new FrameSpec(4096, 4096, "uint8")));
        Assert.Equal(50, new SearchOptions { StartRate = 50 }.FirstRate(Frame));
    }

    [Theory]
    [InlineData("1024x1024", 1024, 1024, "uint8", 1_048_576)]
    [InlineData("1536x1024:int16", 1536, 1024, "int16", 3_145_728)]
    [InlineData(" 128X64 ", 128, 64, "uint8", 8192)]
    public void Frame_sizes_parse(string text, int nx, int ny, string type, long bytes)
    {
        var f = FrameSpec.Parse(text, "uint8");
        Assert.Equal((nx, ny, type, bytes), (f.Nx, f.Ny, f.DataType, f.Bytes));
    }

    [Theory]
    [InlineData("1024")]
    [InlineData("0x10")]
    [InlineData("10x10:complex")]
    public void Bad_frame_sizes_are_bad_input(string text) =>
        Assert.Equal(ExitCodes.BadInput, Assert.Throws<CliException>(() => FrameSpec.Parse(text, "uint8")).ExitCode);

    [Fact]
    public void Queue_sizes_default_to_the_references()
    {
        Assert.Equal(100, BenchPlan.ReferenceQueueSize(new FrameSpec(4096, 4096, "uint8"), 0));
        Assert.Equal(400, BenchPlan.ReferenceQueueSize(new FrameSpec(4096, 4096, "uint8"), 6));
        Assert.Equal(200, BenchPlan.ReferenceQueueSize(new FrameSpec(2048, 2048, "uint8"), 0));
        Assert.Equal(400, BenchPlan.ReferenceQueueSize(new FrameSpec(1536, 1024, "int16"), 0));
        Assert.Equal(500, BenchPlan.ReferenceQueueSize(Frame, 0));
        Assert.Equal(1000, BenchPlan.ReferenceQueueSize(Frame, 6));
        Assert.Equal(1000, BenchPlan.ReferenceQueueSize(new FrameSpec(512, 512, "uint8"), 0));
        Assert.Equal(1500, BenchPlan.ReferenceQueueSize(new FrameSpec(512, 512, "uint8"), 6));
    }

    [Fact]
    public void Our_final_report_reads_back()
    {
        var stats = new ConsumerStatistics
        {
            ConsumerId = 2,
            InputChannel = "pvapy:image",
            Received = 1001,
            Overruns = 3,
            Queue = new QueueStatistics(1001, 7, 994, 0),
            Processor = new ProcessorStatistics { Processed = 990, Missed = 4, StartTime = 1, EndTime = 11, Runtime = 10, ReceivingTime = 9 },
        };
        var text = "some line before\n" + ConsumerReport.Format(stats, ["all"]) + "\n";
        Assert.Equal(new ConsumerTotals(1001, 990, 4, 7, 3, 0), ConsumerReportReader.ReadFinal(text));
    }

    [Fact]
    public void A_pprint_report_over_many_lines_with_metadata_reads_back()
    {
        // The layout pprint writes when a dict is wider than its line: one key per line, nested dicts indented.
        const string Text = """
            Published frame id      1
            { 'consumerId': 1,
              'inputChannel': 'pvapy:image',
              'metadataStats': { 'metadata-1': {'channel': 'x', 'queueStats': {'nDelivered': 10, 'nQueued': 0, 'nReceived': 10, 'nRejected': 0}, 'receiverStats': {'nOverruns': 0, 'nReceived': 10, 'nRejected': 0, 'overrunRate': 0.0Hz, 'receivedRate': 1.0000Hz, 'rejectedRate': 0.0Hz}},
                                 'metadata-2': {'channel': 'y', 'queueStats': {}, 'receiverStats': {'nOverruns': 1, 'nReceived': 9, 'nRejected': 2, 'overrunRate': 0.1Hz, 'receivedRate': 0.9000Hz, 'rejectedRate': 0.2Hz}}},
              'objectId': 12,
              'processorStats': {'endTime': 1700000010.5, 'firstObjectId': 1, 'nErrors': 0, 'nMissed': 0, 'nProcessed': 10, 'processedRate': 1.0000Hz, 'runtime': 10.0000s},
              'publisherStats': {},
              'queueStats': {},
              'receiverStats': {'errorRate': 0.0Hz, 'nErrors': 0, 'nOverruns': 0, 'nReceived': 11, 'nRejected': 0, 'overrunRate': 0.0Hz},
              'userStats': {'name': "it's", 'list': [1, 2, (3, 4)], 'flag': True, 'none': None}}
            """;
        Assert.Equal(new ConsumerTotals(11, 10, 0, 2, 1, 19), ConsumerReportReader.ReadFinal(Text));
        Assert.Null(ConsumerReportReader.ReadFinal("no report here"));
        Assert.Null(ConsumerReportReader.ReadFinal("{ 'processorStats': {'nProcessed': 1"));
    }

    [Theory]
    [InlineData("Server runtime: 2.9904 seconds\nPublished frames:    300 @ 99.9862 fps\nData rate: 0.4095MBps\n", 300, 99.9862)]
    [InlineData("Published frames: 7 @ 1.5000 fps", 7, 1.5)]
    public void The_sources_summary_reads_back(string text, long frames, double rate) =>
        Assert.Equal((frames, rate), ConsumerReportReader.ReadPublished(text));

    [Fact]
    public void Tables_carry_the_references_columns_and_the_ratio()
    {
        var rows = Rows();
        var text = BenchTable.Text(rows);
        Assert.Contains("Image 1024 x 1024 (uint8, 1.05 MB); server queue size 500", text, StringComparison.Ordinal);
        Assert.Contains("Consumers  Frames/s  Frames/s per consumer  Frames/minute", text, StringComparison.Ordinal);
        Assert.Contains("Reference frames/s", text, StringComparison.Ordinal);
        Assert.Contains("2.00x", text, StringComparison.Ordinal);     // 3,200 against 1,600
        Assert.Contains("192,000", text, StringComparison.Ordinal);   // frames per minute

        var markdown = BenchTable.Markdown(rows);
        Assert.Contains("| Consumers | Frames/s | Frames/s per consumer | Frames/minute | GB/s per consumer | Total GB/s |", markdown, StringComparison.Ordinal);
        Assert.Contains("| 4 | 8,000 | 2,000 | 480,000 | 2.10 | 8.39 |", markdown, StringComparison.Ordinal);

        var csv = BenchTable.Csv(rows).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(1 + 3, csv.Length); // the header, ours twice, the reference once
        Assert.StartsWith("pvstream,1024,1024,uint8,1048576,1,0,500,3200,3200,192000,0,3.355443,3.355443,", csv[1], StringComparison.Ordinal);
        Assert.StartsWith("pvapy,1024,1024,uint8,1048576,1,0,500,1600,", csv[2], StringComparison.Ordinal);
    }

    [Fact]
    public void Metadata_tables_add_the_metadata_rates()
    {
        var cell = new BenchCell(Frame, 1, 6, 1000);
        var text = BenchTable.Text([new BenchTable.Row(Result(cell, "pvstream", 1200), null)]);
        Assert.Contains("6 PVA metadata channels", text, StringComparison.Ordinal);
        Assert.Contains("Metadata/s  Metadata/minute", text, StringComparison.Ordinal);
        Assert.Contains("7,200", text, StringComparison.Ordinal);
        Assert.Contains("432,000", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_plot_is_a_png()
    {
        var path = Path.Combine(Path.GetTempPath(), $"pvstream-bench-{Guid.NewGuid():N}.png");
        try
        {
            BenchPlot.SavePng(Rows(), path);
            var bytes = File.ReadAllBytes(path);
            Assert.True(bytes.Length > 1000);
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes.Take(4));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_limiter_names_the_busy_process()
    {
        var spec = new TrialSpec(Cell, 5000, TimeSpan.FromSeconds(60));
        var busy = new TrialResult(spec, 300_000, 5000, ConsumerTotals.Zero,
            [new ProcessUsage("ad-sim-server", 59, 60, 1), new ProcessUsage("consumer 1", 50, 60, 1)], "10 missed, 0 rejected, 0 overruns");
        Assert.StartsWith("CPU: ad-sim-server saturated a core (10 missed", Limiter.Describe(busy, cores: 4), StringComparison.Ordinal);
        Assert.StartsWith("CPU: all 2 cores busy", Limiter.Describe(busy, cores: 2), StringComparison.Ordinal);
        var idle = busy with { Processes = [new ProcessUsage("ad-sim-server", 6, 60, 1)] };
        Assert.StartsWith("latency or scheduling", Limiter.Describe(idle, cores: 2), StringComparison.Ordinal);
    }

    private static List<BenchTable.Row> Rows()
    {
        var one = Cell with { Consumers = 1 };
        var four = Cell with { Consumers = 4 };
        return
        [
            new BenchTable.Row(Result(one, "pvstream", 3200), Result(one, "pvapy", 1600)),
            new BenchTable.Row(Result(four, "pvstream", 8000), null),
        ];
    }

    private static CellResult Result(BenchCell cell, string implementation, double rate)
    {
        var spec = new TrialSpec(cell, rate, TimeSpan.FromSeconds(60));
        var frames = (long)(rate * 60);
        var processes = new List<ProcessUsage> { new("source", 30, 60, 100_000_000) };
        processes.AddRange(Enumerable.Range(1, cell.Consumers).Select(i => new ProcessUsage($"consumer {i}", 20, 60, 80_000_000)));
        var best = new TrialResult(spec, frames, rate, new ConsumerTotals(frames, frames, 0, 0, 0, 0), processes, null);
        return new CellResult(cell, implementation, best, null, 3, "not found");
    }

    /// <summary>Passes every trial at or below a threshold, like a consumer group with a fixed capacity.</summary>
    private sealed class ThresholdRunner(double threshold) : ITrialRunner
    {
        public List<double> Rates { get; } = [];

        /// <summary>Rates whose next trial fails to start (once per entry).</summary>
        public List<double> SetupFailures { get; } = [];

        public string Name => "fake";

        public Task<TrialResult> RunAsync(TrialSpec spec, CancellationToken cancellationToken)
        {
            Rates.Add(spec.Rate);
            if (SetupFailures.Remove(spec.Rate))
            {
                throw new BenchSetupException("consumers not up within the start delay\n--- source (last lines) ---");
            }

            var frames = (long)(spec.Rate * spec.Duration.TotalSeconds);
            var missed = spec.Rate <= threshold ? 0 : (long)(frames * 0.01) + 1;
            return Task.FromResult(new TrialResult(spec, frames, spec.Rate, new ConsumerTotals(frames, frames - missed, missed, 0, 0, 0),
                [new ProcessUsage("source", 1, 60, 1)], missed == 0 ? null : $"{missed} missed, 0 rejected, 0 overruns"));
        }
    }
}
