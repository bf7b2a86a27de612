using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace Pvstream.Cli.Tests;

/// <summary>
/// <c>pvstream run --web</c>: a real run of an example workflow; its page's data and thumbnails fetched over HTTP, and
/// the page itself loaded in headless chromium (skipped where chromium is not installed).
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class WebDashboardTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
    private readonly ConsumerTestEnvironment _env = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };

    public void Dispose()
    {
        _http.Dispose();
        _env.Dispose();
    }

    [Fact]
    public async Task The_page_shows_the_stages_with_live_figures_and_a_thumbnail_of_the_newest_frame()
    {
        var port = Pvstream.Testing.TestPorts.Next();
        var workflow = Path.Combine(RepoRoot, "examples", "workflows", "single-consumer.yaml");
        using var run = RunningTool.Start(_env.Variables, "run", "--plain", "--report-period", "0", "--runs-folder", Path.Combine(_env.Scratch, "runs"),
            "--runtime", "15", "--web", port.ToString(CultureInfo.InvariantCulture), workflow); // frames from 3 s after the detector is up
        var site = new Uri($"http://127.0.0.1:{port}/");

        var state = await UntilAsync(async ct =>
        {
            var s = JsonNode.Parse(await _http.GetStringAsync(new Uri(site, "api/state"), ct))!;
            return s["stages"]!.AsArray().Any(st => st!["name"]!.GetValue<string>() == "rotate" && st["processes"]!.AsArray().Any(p => p!["processed"]!.GetValue<long>() > 0)) ? s : null;
        });
        Assert.Equal(["rotate", "detector"], state["stages"]!.AsArray().Select(s => s!["name"]!.GetValue<string>()));
        var edge = Assert.Single(state["edges"]!.AsArray())!;
        Assert.Equal(("detector", "rotate", "single:image"), (edge["from"]!.GetValue<string>(), edge["to"]!.GetValue<string>(), edge["channel"]!.GetValue<string>()));
        Assert.Contains("single:image", state["channels"]!.AsArray().Select(c => c!.GetValue<string>()));

        var png = await UntilAsync(async ct =>
        {
            using var r = await _http.GetAsync(new Uri(site, "api/thumbnail?channel=single:image&size=64"), ct);
            return r.StatusCode == System.Net.HttpStatusCode.OK ? await r.Content.ReadAsByteArrayAsync(ct) : null;
        });
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        var width = (png[16] << 24) | (png[17] << 16) | (png[18] << 8) | png[19];
        Assert.Equal(64, width); // 128 x 128 frames scaled to fit 64

        var chromium = Chromium();
        if (chromium is not null)
        {
            var dom = await DumpDomAsync(chromium, new Uri(site, "?channel=single:image"));
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

    private async Task<T> UntilAsync<T>(Func<CancellationToken, Task<T?>> attempt)
        where T : class
    {
        using var limit = new CancellationTokenSource(Limit);
        while (true)
        {
            try
            {
                if (await attempt(limit.Token) is { } result)
                {
                    return result;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(200, limit.Token);
        }
    }

    private static string? Chromium() => new[] { "chromium", "chromium-browser" }
        .SelectMany(name => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(dir => Path.Combine(dir, name)))
        .FirstOrDefault(File.Exists);

    private async Task<string> DumpDomAsync(string chromium, Uri page)
    {
        var start = new ProcessStartInfo(chromium)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=3000", $"--user-data-dir={Path.Combine(_env.Scratch, "chromium")}", "--dump-dom", page.ToString() })
        {
            start.ArgumentList.Add(arg);
        }

        using var browser = Process.Start(start)!;
        using var limit = new CancellationTokenSource(Limit);
        var stderr = browser.StandardError.ReadToEndAsync(limit.Token);
        var dom = await browser.StandardOutput.ReadToEndAsync(limit.Token);
        try
        {
            await browser.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            browser.Kill(entireProcessTree: true);
            throw;
        }

        Assert.True(dom.Length > 0, await stderr);
        return dom;
    }

    private static string RepoRoot => Repository.Root;
}
