using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Epics.Pva.Data;
using Epics.Pva.Data.NT;
using Epics.Pva.Server;
using Pvstream.Streaming;

namespace Pvstream.Cli.Tests;

/// <summary>
/// ad-sim-server and mirror-server as a user meets them: a true summary however the simulator is stopped, the start
/// delay announced, a log-level switch, input errors that say what is wrong, a mirror that says when a source is
/// missing or gone, and a live line that fits the terminal.
/// </summary>
public sealed partial class StreamingCommandTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("INT")]
    [InlineData("TERM")]
    public async Task A_signal_ends_the_simulator_with_a_true_summary(string signal)
    {
        using var cts = new CancellationTokenSource(Limit);
        using var sim = Tool.Start(IsolatedServer(), "ad-sim-server", "-cn", "sig:image", "-nx", "8", "-ny", "8", "-fps", "50", "-rt", "60",
            "-std", "1", "-shd", "10", "-dc", "-rp", "0");
        var output = new Output(sim);
        await output.WaitForAsync("Waiting 1 seconds before the first frame (--start-delay)", cts.Token);
        await Task.Delay(TimeSpan.FromSeconds(3), cts.Token); // about 2 s of publishing
        using (var kill = Process.Start("kill", ["-" + signal, sim.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(cts.Token);
        }

        await sim.WaitForExitAsync(cts.Token);
        var text = await output.AllAsync();
        Assert.True(sim.ExitCode == 0, text);
        Assert.Contains("Server was interrupted after ", text);
        var runtime = double.Parse(RuntimeLine().Match(text).Groups[1].Value, CultureInfo.InvariantCulture);
        var published = PublishedLine().Match(text);
        var frames = long.Parse(published.Groups[1].Value, CultureInfo.InvariantCulture);
        var fps = double.Parse(published.Groups[2].Value, CultureInfo.InvariantCulture);
        Assert.InRange(runtime, 1.0, 10);
        Assert.InRange(frames, 50, 500);
        Assert.InRange(fps, 40, 60);
    }

    [Fact]
    public async Task The_log_level_switch_shows_the_libraries_messages_on_stderr()
    {
        var r = await Tool.RunAsync(IsolatedServer(), Limit, "ad-sim-server", "-nx", "4", "-ny", "4", "-fps", "100", "-rt", "0.2", "-std", "0", "-shd", "0",
            "-dc", "-rp", "0", "-ll", "info");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("info: ad-sim-server", r.Stderr);
        Assert.Contains("Publishing ended (RuntimeReached)", r.Stderr);
        Assert.DoesNotContain("info:", r.Stdout);

        var quiet = await Tool.RunAsync(IsolatedServer(), Limit, "ad-sim-server", "-nx", "4", "-ny", "4", "-fps", "100", "-rt", "0.2", "-std", "0", "-shd", "0", "-dc", "-rp", "0");
        Assert.Equal(string.Empty, quiet.Stderr);

        var bad = await Tool.RunAsync(IsolatedServer(), Limit, "mirror-server", "-cm", "(a,b)", "-ll", "chatty");
        Assert.Equal(2, bad.ExitCode);
    }

    [Fact]
    public async Task A_wrong_hdf5_dataset_lists_the_datasets_the_file_has()
    {
        var r = await Tool.RunAsync(IsolatedServer(), Limit, "ad-sim-server", "-if", Fixture("compressed.h5"), "-hds", "/entry/data", "-dc");
        Assert.Equal(2, r.ExitCode);
        var line = Assert.Single(r.ErrorLines);
        Assert.StartsWith("Error: No frames could be read: Skipping ", line);
        Assert.Contains("compressed.h5: cannot read dataset /entry/data: there is no such dataset; datasets in the file: /bitshuffle/none, ", line);
        Assert.Contains("/bslz4/uint16", line);
    }

    [Theory]
    [InlineData("(a, b, pva)", "Error: Invalid source provider type specified for entry: a, b, pva (the entry contains spaces: fields are separated by commas only, e.g. (a,b,pva))")]
    [InlineData("(a,b,http)", "Error: Invalid source provider type specified for entry: a,b,http")]
    [InlineData("", "Error: Channel map is not specified.")]
    public async Task Mirror_map_errors_are_bad_input(string map, string message)
    {
        var r = await Tool.RunAsync(IsolatedServer(), Limit, "mirror-server", "-cm", map);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal([message], r.ErrorLines);
    }

    [Fact]
    public async Task The_mirror_says_when_a_source_is_missing_drops_and_returns()
    {
        using var cts = new CancellationTokenSource(Limit);
        var source = new SharedPv(NTScalar.Create(ScalarType.Double).Structure);
        await using var upstream = await TestServer.StartAsync(("src:x", source));
        var env = new Dictionary<string, string>(upstream.Environment);
        foreach (var (k, v) in IsolatedServer())
        {
            env[k] = v;
        }

        using var mirror = Tool.Start(env, "mirror-server", "-cm", "(m:x,src:x),(m:gone,src:gone)", "-rt", "30");
        var output = new Output(mirror);
        await output.WaitForAsync("Started mirror server @ ", cts.Token);
        await output.WaitForAsync("Source 'src:gone' of mirror channel m:gone not found yet; still looking", cts.Token);

        source.Close();
        await output.WaitForAsync("Source 'src:x' of mirror channel m:x disconnected: m:x has no value until it returns", cts.Token);
        source.Open(NTScalar.Create(ScalarType.Double).Structure);
        await output.WaitForAsync("Source 'src:x' of mirror channel m:x connected: serving m:x", cts.Token);

        using (var kill = Process.Start("kill", ["-INT", mirror.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(cts.Token);
        }

        await mirror.WaitForExitAsync(cts.Token);
        Assert.Contains("Final Channel Statistics:", await output.AllAsync());
    }

    [Theory]
    [InlineData("Published frame id     12 @ 1796530505.415s (frame rate: 99.5303fps; runtime: 0.492s)", 80, "Frame 12 @ 1796530505.415s (99.5303fps; 0.492s)")]
    [InlineData("short line", 80, "short line")]
    [InlineData("Published frame id     12 @ 1796530505.415s (frame rate: 99.5303fps; runtime: 0.492s)", 120, "Published frame id     12 @ 1796530505.415s (frame rate: 99.5303fps; runtime: 0.492s)")]
    [InlineData("Published frame id     12 @ 1796530505.415s (frame rate: 99.5303fps; runtime: 0.492s)", 20, "Frame 12 @ 17965305")]
    public void The_live_line_never_wraps(string line, int width, string shown)
    {
        var compact = "Frame 12 @ 1796530505.415s (99.5303fps; 0.492s)";
        var fitted = LiveReporter.Fit(line, compact, width);
        Assert.Equal(shown, fitted);
        Assert.True(fitted.Length < width);
    }

    // Our own server on 127.0.0.1 with ephemeral ports, so tests never meet 5075/5076 or each other.
    private static Dictionary<string, string> IsolatedServer() => new()
    {
        ["EPICS_PVAS_INTF_ADDR_LIST"] = "127.0.0.1",
        ["EPICS_PVAS_SERVER_PORT"] = "0",
        ["EPICS_PVAS_BROADCAST_PORT"] = FreeUdpPort().ToString(CultureInfo.InvariantCulture),
        ["EPICS_PVAS_AUTO_BEACON_ADDR_LIST"] = "NO",
        ["EPICS_CAS_INTF_ADDR_LIST"] = "127.0.0.1",
        ["EPICS_CAS_SERVER_PORT"] = "0",
    };

    private static int FreeUdpPort() => Pvstream.Testing.TestPorts.Next();

    private static string Fixture(string name)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "pvstream.slnx")))
        {
            dir = dir.Parent;
        }

        return Path.Combine(dir?.FullName ?? throw new DirectoryNotFoundException("pvstream.slnx not found above the tests"),
            "test", "Epics.Streaming.Tests", "Fixtures", name);
    }

    [GeneratedRegex(@"^Server runtime: ([\d.]+) seconds", RegexOptions.Multiline)]
    private static partial Regex RuntimeLine();

    [GeneratedRegex(@"^Published frames: (\d+) @ ([\d.]+) fps", RegexOptions.Multiline)]
    private static partial Regex PublishedLine();

    /// <summary>Both output streams of a running process, collected as they come.</summary>
    private sealed class Output
    {
        private readonly StringBuilder _text = new();
        private readonly Task _stdout;
        private readonly Task _stderr;

        public Output(Process process)
        {
            process.StandardInput.Close();
            _stdout = PumpAsync(process.StandardOutput);
            _stderr = PumpAsync(process.StandardError);
        }

        public string Text
        {
            get
            {
                lock (_text)
                {
                    return _text.ToString();
                }
            }
        }

        public async Task WaitForAsync(string text, CancellationToken ct)
        {
            while (!Text.Contains(text, StringComparison.Ordinal))
            {
                if (_stdout.IsCompleted && _stderr.IsCompleted)
                {
                    Assert.Fail($"the process ended before printing '{text}':\n{Text}");
                }

                await Task.Delay(20, ct);
            }
        }

        public async Task<string> AllAsync()
        {
            await Task.WhenAll(_stdout, _stderr).WaitAsync(TimeSpan.FromSeconds(10));
            return Text;
        }

        private async Task PumpAsync(StreamReader reader)
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                lock (_text)
                {
                    _text.AppendLine(line);
                }
            }
        }
    }
}
