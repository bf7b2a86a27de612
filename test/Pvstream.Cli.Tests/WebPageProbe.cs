using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;

namespace Pvstream.Cli.Tests;

/// <summary>
/// Looks at a <c>--web</c> page from outside: its state and thumbnails over HTTP (retried until the page has what the
/// test waits for), and the page itself as headless chromium renders it (null where chromium is not installed).
/// </summary>
public sealed class WebPageProbe(int port, string scratch) : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };

    public Uri Site { get; } = new($"http://127.0.0.1:{port}/");

    public static string? Chromium => new[] { "chromium", "chromium-browser" }
        .SelectMany(name => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(dir => Path.Combine(dir, name)))
        .FirstOrDefault(File.Exists);

    public void Dispose() => _http.Dispose();

    /// <summary>The first state that satisfies <paramref name="done"/>.</summary>
    public Task<JsonNode> StateAsync(Func<JsonNode, bool> done) => UntilAsync(async ct =>
    {
        var state = JsonNode.Parse(await _http.GetStringAsync(new Uri(Site, "api/state"), ct))!;
        return done(state) ? state : null;
    });

    /// <summary>The first thumbnail of <paramref name="channel"/> there is (a PNG).</summary>
    public Task<byte[]> ThumbnailAsync(string channel, int size) => UntilAsync(async ct =>
    {
        using var response = await _http.GetAsync(new Uri(Site, $"api/thumbnail?channel={Uri.EscapeDataString(channel)}&size={size}"), ct);
        return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadAsByteArrayAsync(ct) : null;
    });

    /// <summary>The page's DOM after chromium has run its script for a few seconds.</summary>
    public async Task<string> DumpDomAsync(string chromium, string query)
    {
        var start = new ProcessStartInfo(chromium) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=3000", $"--user-data-dir={Path.Combine(scratch, "chromium")}", "--dump-dom", new Uri(Site, query).ToString() })
        {
            start.ArgumentList.Add(arg);
        }

        using var browser = Process.Start(start)!;
        using var limit = new CancellationTokenSource(Limit);
        var stderr = browser.StandardError.ReadToEndAsync(limit.Token);
        try
        {
            var dom = await browser.StandardOutput.ReadToEndAsync(limit.Token);
            await browser.WaitForExitAsync(limit.Token);
            Assert.True(dom.Length > 0, await stderr);
            return dom;
        }
        catch (OperationCanceledException)
        {
            browser.Kill(entireProcessTree: true);
            throw;
        }
    }

    /// <summary>Width of a PNG (its IHDR chunk).</summary>
    public static int PngWidth(byte[] png)
    {
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        return (png[16] << 24) | (png[17] << 16) | (png[18] << 8) | png[19];
    }

    private static async Task<T> UntilAsync<T>(Func<CancellationToken, Task<T?>> attempt)
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
}
