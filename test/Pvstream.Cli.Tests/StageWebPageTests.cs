using System.Globalization;
using System.Text.Json.Nodes;

namespace Pvstream.Cli.Tests;

/// <summary>
/// <c>pvstream consumer --web</c> and <c>pvstream collector --web</c>: the run's page for one stage, behind a simulated
/// detector. Its figures and thumbnails of the stage's channels over HTTP; the consumer's page also in headless
/// chromium (skipped where chromium is not installed).
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class StageWebPageTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
    private readonly ConsumerTestEnvironment _env = new();

    public void Dispose() => _env.Dispose();

    [Theory]
    [InlineData("consumer")]
    [InlineData("collector")]
    public async Task The_command_offers_the_option(string command)
    {
        var help = await Tool.RunAsync(_env.Variables, Limit, command, "--help");
        Assert.True(help.ExitCode == 0, help.ToString());
        Assert.Contains("--web", help.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_consumers_page_shows_its_figures_and_thumbnails_of_its_input_and_output()
    {
        var port = Pvstream.Testing.TestPorts.Next();
        using var consumer = RunningTool.Start(_env.Variables, "consumer", "-ic", "sw:image", "-oc", "sw:*:output", "-sc", "sw:*:status", "-sqs", "100", "-dc",
            "--web", Port(port));
        using var sim = RunningTool.Start(_env.Variables, "ad-sim-server", "-cn", "sw:image", "-nx", "64", "-ny", "32", "-fps", "20", "-rt", "20", "-std", "1", "-dc", "-rp", "0");
        using var page = new WebPageProbe(port, _env.Scratch);

        var state = await page.StateAsync(s => Processed(s) > 0);
        Assert.Equal("pvstream consumer 1", state["title"]!.GetValue<string>());
        var stage = Assert.Single(state["stages"]!.AsArray())!;
        Assert.Equal(("consumer-1", "consumer"), (stage["name"]!.GetValue<string>(), stage["type"]!.GetValue<string>()));
        var process = Assert.Single(stage["processes"]!.AsArray())!;
        foreach (var figure in new[] { "received", "rate", "missed", "rejected", "overruns", "errors", "queued" })
        {
            Assert.NotNull(process[figure]);
        }

        Assert.Empty(state["edges"]!.AsArray());
        Assert.Equal(["sw:image", "sw:1:output"], state["channels"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.Equal(32, WebPageProbe.PngWidth(await page.ThumbnailAsync("sw:image", 32))); // 64 x 32 frames scaled to fit 32
        Assert.Equal(64, WebPageProbe.PngWidth(await page.ThumbnailAsync("sw:1:output", 256))); // never scaled up

        var chromium = WebPageProbe.Chromium;
        if (chromium is null)
        {
            Assert.Skip("chromium is not installed: the page was not loaded in a browser");
        }

        var dom = await page.DumpDomAsync(chromium, "?channel=sw:1:output");
        Assert.Contains("data-stage=\"consumer-1\"", dom, StringComparison.Ordinal);
        Assert.Contains("<title>pvstream consumer 1</title>", dom, StringComparison.Ordinal);
        Assert.Contains("queue ", dom, StringComparison.Ordinal);
        Assert.Contains("missed ", dom, StringComparison.Ordinal);
        Assert.Contains("data-channel=\"sw:1:output\"", dom, StringComparison.Ordinal);
        Assert.DoesNotContain("data-frames=\"0\"", dom, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_collectors_page_shows_its_figures_and_thumbnails_of_its_producers()
    {
        var port = Pvstream.Testing.TestPorts.Next();
        using var collector = RunningTool.Start(_env.Variables, "collector", "-pid", "1", "-ic", "sc:*:image", "-oc", "sc:col:output", "-sc", "sc:col:status",
            "-sqs", "100", "--web", Port(port));
        using var sim = RunningTool.Start(_env.Variables, "ad-sim-server", "-cn", "sc:1:image", "-nx", "32", "-ny", "32", "-fps", "20", "-rt", "20", "-std", "1", "-dc", "-rp", "0");
        using var page = new WebPageProbe(port, _env.Scratch);

        var state = await page.StateAsync(s => Processed(s) > 0);
        Assert.Equal("pvstream collector 1", state["title"]!.GetValue<string>());
        var stage = Assert.Single(state["stages"]!.AsArray())!;
        Assert.Equal(("collector-1", "collector"), (stage["name"]!.GetValue<string>(), stage["type"]!.GetValue<string>()));
        Assert.Equal(["sc:1:image", "sc:col:output"], state["channels"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.Equal(32, WebPageProbe.PngWidth(await page.ThumbnailAsync("sc:1:image", 64)));
    }

    private static long Processed(JsonNode state) =>
        state["stages"]!.AsArray().SelectMany(s => s!["processes"]!.AsArray()).Sum(p => p!["processed"]?.GetValue<long>() ?? 0);

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
}
