using System.Globalization;

namespace Pvstream.Cli.Tests;

/// <summary>
/// <c>pvstream run --web</c>: a real run of an example workflow; its page's data and thumbnails fetched over HTTP, and
/// the page itself loaded in headless chromium (skipped where chromium is not installed).
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class WebDashboardTests : IDisposable
{
    private readonly ConsumerTestEnvironment _env = new();

    public void Dispose() => _env.Dispose();

    [Fact]
    public async Task The_page_shows_the_stages_with_live_figures_and_a_thumbnail_of_the_newest_frame()
    {
        var port = Pvstream.Testing.TestPorts.Next();
        var workflow = Path.Combine(Repository.Root, "examples", "workflows", "single-consumer.yaml");
        using var run = RunningTool.Start(_env.Variables, "run", "--plain", "--report-period", "0", "--runs-folder", Path.Combine(_env.Scratch, "runs"),
            "--runtime", "15", "--web", port.ToString(CultureInfo.InvariantCulture), workflow); // frames from 3 s after the detector is up
        using var page = new WebPageProbe(port, _env.Scratch);

        var state = await page.StateAsync(s => s["stages"]!.AsArray().Any(st =>
            st!["name"]!.GetValue<string>() == "rotate" && st["processes"]!.AsArray().Any(p => p!["processed"]!.GetValue<long>() > 0)));
        Assert.Equal(["rotate", "detector"], state["stages"]!.AsArray().Select(s => s!["name"]!.GetValue<string>()));
        var edge = Assert.Single(state["edges"]!.AsArray())!;
        Assert.Equal(("detector", "rotate", "single:image"), (edge["from"]!.GetValue<string>(), edge["to"]!.GetValue<string>(), edge["channel"]!.GetValue<string>()));
        Assert.Contains("single:image", state["channels"]!.AsArray().Select(c => c!.GetValue<string>()));

        var png = await page.ThumbnailAsync("single:image", 64);
        Assert.Equal(64, WebPageProbe.PngWidth(png)); // 128 x 128 frames scaled to fit 64

        var chromium = WebPageProbe.Chromium;
        if (chromium is not null)
        {
            var dom = await page.DumpDomAsync(chromium, "?channel=single:image");
            Assert.Contains("data-stage=\"rotate\"", dom, StringComparison.Ordinal);
            Assert.Contains("data-stage=\"detector\"", dom, StringComparison.Ordinal);
            Assert.Contains("data-channel=\"single:image\"", dom, StringComparison.Ordinal);
            Assert.DoesNotContain("data-frames=\"0\"", dom, StringComparison.Ordinal);
        }

        Assert.Equal(0, await run.WaitForExitAsync(TimeSpan.FromSeconds(90)));
        if (chromium is null)
        {
            Assert.Skip("chromium is not installed: the page was not loaded in a browser");
        }
    }
}
