using System.Globalization;
using System.Text.RegularExpressions;

namespace Pvstream.Cli.Tests;

/// <summary>
/// <c>--metrics-port</c>: the long-running commands serve <c>/metrics</c> in the Prometheus text format; scraped with
/// an HTTP client while real processes run, its counters move and agree with the status channel.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed partial class MetricsTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
    private readonly ConsumerTestEnvironment _env = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };

    public void Dispose()
    {
        _http.Dispose();
        _env.Dispose();
    }

    [Theory]
    [InlineData("consumer")]
    [InlineData("collector")]
    [InlineData("mirror-server")]
    [InlineData("ad-sim-server")]
    [InlineData("run")]
    public async Task Every_long_running_command_offers_the_option(string command)
    {
        var help = await Tool.RunAsync(_env.Variables, Limit, command, "--help");
        Assert.True(help.ExitCode == 0, help.ToString());
        Assert.Contains("--metrics-port", help.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_consumer_serves_its_status_counters_and_process_figures_and_they_match_the_status_channel()
    {
        var simPort = Pvstream.Testing.TestPorts.Next();
        var consumerPort = Pvstream.Testing.TestPorts.Next();
        using var consumer = RunningTool.Start(_env.Variables, "consumer", "-ic", "mt:image", "-sc", "mt:*:status", "-sqs", "100", "-rp", "0", "-dc",
            "--metrics-port", Port(consumerPort));
        using var sim = RunningTool.Start(_env.Variables, "ad-sim-server", "-cn", "mt:image", "-nx", "16", "-ny", "8", "-fps", "40", "-rt", "3", "-dc", "-rp", "0",
            "-std", "3", "--metrics-port", Port(simPort)); // frames start once the consumer has had time to find the source

        var first = await ScrapeUntilAsync(consumerPort, m => Value(m, "pvstream_processed_total", "consumer", "1") > 0);
        Assert.True(first.ContainsKey("process_cpu_seconds_total"), "process metrics are served");
        Assert.True(first.ContainsKey("process_working_set_bytes"), "process metrics are served");
        Assert.Equal(1, Value(first, "pvstream_up", "consumer", "1"));
        foreach (var name in new[] { "received_total", "missed_total", "rejected_total", "errors_total", "queue_fill", "processed_rate" })
        {
            Assert.True(first.ContainsKey($"pvstream_{name}{{stage=\"consumer\",id=\"1\"}}"), $"pvstream_{name} is served");
        }

        var moved = await ScrapeUntilAsync(consumerPort, m => Value(m, "pvstream_processed_total", "consumer", "1") > Value(first, "pvstream_processed_total", "consumer", "1"));
        Assert.True(Value(moved, "pvstream_processed_rate", "consumer", "1") > 0);
        var source = await ScrapeUntilAsync(simPort, m => Value(m, "pvstream_published_total", "ad-sim-server", "1") > 0);
        Assert.True(Value(source, "pvstream_bytes_rate", "ad-sim-server", "1") > 0);

        // Once the source has finished the figures stand still: the scrape and the status channel then agree.
        Assert.Equal(0, await sim.WaitForExitAsync(Limit));
        var settled = await SettledAsync(consumerPort);
        var status = await Tool.RunAsync(_env.Variables, Limit, "get", "mt:1:status");
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Equal(Field(status.Stdout, "nProcessed"), Value(settled, "pvstream_processed_total", "consumer", "1"));
        Assert.Equal(Field(status.Stdout, "nMissed"), Value(settled, "pvstream_missed_total", "consumer", "1"));
        Assert.Equal(Field(status.Stdout, "nReceived"), Value(settled, "pvstream_received_total", "consumer", "1"));
        Assert.True(Value(settled, "pvstream_processed_total", "consumer", "1") >= 100, Scrape.Text(settled));
    }

    [Fact]
    public async Task A_workflow_run_serves_every_stage_labelled_by_stage_and_id()
    {
        var port = Pvstream.Testing.TestPorts.Next();
        var workflow = Path.Combine(RepoRoot, "examples", "workflows", "single-consumer.yaml");
        using var run = RunningTool.Start(_env.Variables, "run", "--plain", "--report-period", "0", "--runs-folder", Path.Combine(_env.Scratch, "runs"),
            "--runtime", "10", "--metrics-port", Port(port), workflow); // the detector's first frame comes 3 s after it is up
        var scraped = await ScrapeUntilAsync(port, m => Value(m, "pvstream_processed_total", "rotate", "1") > 0 && Value(m, "pvstream_published_total", "detector", "1") > 0);
        Assert.Equal(1, Value(scraped, "pvstream_up", "rotate", "1"));
        Assert.True(scraped.ContainsKey("process_cpu_seconds_total"));
        Assert.Equal(0, await run.WaitForExitAsync(TimeSpan.FromSeconds(90)));
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static double Value(IReadOnlyDictionary<string, double> metrics, string name, string stage, string id) =>
        metrics.TryGetValue($"{name}{{stage=\"{stage}\",id=\"{id}\"}}", out var v) ? v : double.NaN;

    private static double Field(string getOutput, string name) =>
        double.Parse(Regex.Match(getOutput, $@"\b{name} (\d+)").Groups[1].Value, CultureInfo.InvariantCulture);

    private async Task<IReadOnlyDictionary<string, double>> ScrapeUntilAsync(int port, Func<IReadOnlyDictionary<string, double>, bool> done)
    {
        using var limit = new CancellationTokenSource(Limit);
        var last = (IReadOnlyDictionary<string, double>)new Dictionary<string, double>();
        while (true)
        {
            try
            {
                last = Scrape.Parse(await _http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"), limit.Token));
                if (done(last))
                {
                    return last;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (OperationCanceledException) when (limit.IsCancellationRequested)
            {
                Assert.Fail($"no matching scrape of port {port} within {Limit.TotalSeconds} s; last:\n{Scrape.Text(last)}");
            }

            await Task.Delay(200, limit.Token);
        }
    }

    private async Task<IReadOnlyDictionary<string, double>> SettledAsync(int port)
    {
        var before = await ScrapeUntilAsync(port, _ => true);
        while (true)
        {
            await Task.Delay(700);
            var now = await ScrapeUntilAsync(port, _ => true);
            if (Value(now, "pvstream_processed_total", "consumer", "1") == Value(before, "pvstream_processed_total", "consumer", "1")
                && Value(now, "pvstream_received_total", "consumer", "1") == Value(before, "pvstream_received_total", "consumer", "1"))
            {
                return now;
            }

            before = now;
        }
    }

    private static string RepoRoot => Repository.Root;

    /// <summary>The Prometheus text format, sample lines only: <c>name{labels} value</c>.</summary>
    private static partial class Scrape
    {
        public static Dictionary<string, double> Parse(string text) => text.Split('\n')
            .Select(l => SampleLine().Match(l))
            .Where(m => m.Success)
            .GroupBy(m => m.Groups[1].Value)
            .ToDictionary(g => g.Key, g => double.Parse(g.First().Groups[2].Value, CultureInfo.InvariantCulture));

        public static string Text(IReadOnlyDictionary<string, double> metrics) =>
            string.Join('\n', metrics.Where(m => m.Key.StartsWith("pvstream_", StringComparison.Ordinal)).Select(m => $"{m.Key} {m.Value}"));

        [GeneratedRegex(@"^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$")]
        private static partial Regex SampleLine();
    }
}
