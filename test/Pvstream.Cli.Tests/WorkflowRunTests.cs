using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Pvstream.Cli.Tests;

/// <summary>
/// <c>pvstream run</c> end to end: the example workflows run as real processes for a few seconds on private ports, with
/// their combined statistics, verdict, written files and exit code checked; a killed stage restarted; bad files refused.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed partial class WorkflowRunTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(150);
    private readonly string _scratch = Path.Combine(Path.GetTempPath(), $"pvstream-run-{Guid.NewGuid():N}");
    private readonly Dictionary<string, string> _env;

    public WorkflowRunTests()
    {
        Directory.CreateDirectory(_scratch);
        var udp = Pvstream.Testing.TestPorts.Next().ToString(CultureInfo.InvariantCulture);
        _env = new Dictionary<string, string>
        {
            ["EPICS_PVAS_INTF_ADDR_LIST"] = "127.0.0.1",
            ["EPICS_PVAS_SERVER_PORT"] = "0",
            ["EPICS_PVAS_BROADCAST_PORT"] = udp,
            ["EPICS_PVA_BROADCAST_PORT"] = udp,
            ["EPICS_PVA_ADDR_LIST"] = "127.0.0.1",
            ["EPICS_PVA_AUTO_ADDR_LIST"] = "NO",
            ["EPICS_PVAS_AUTO_BEACON_ADDR_LIST"] = "NO",
            ["EPICS_CAS_INTF_ADDR_LIST"] = "127.0.0.1",
            ["EPICS_CA_ADDR_LIST"] = "127.0.0.1",
            ["EPICS_CA_AUTO_ADDR_LIST"] = "NO",
            ["EPICS_CA_SERVER_PORT"] = Pvstream.Testing.TestPorts.Next().ToString(CultureInfo.InvariantCulture),
            ["LOCALAPPDATA"] = _scratch,
            ["XDG_DATA_HOME"] = _scratch,
        };
    }

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    private static string Example(string name) => Path.Combine(RepoRoot, "examples", "workflows", name + ".yaml");

    private static string RepoRoot => Repository.Root;

    [Theory]
    [InlineData("single-consumer")]
    [InlineData("two-consumers-all-frames")]
    [InlineData("two-consumers-alternating")]
    [InlineData("distributor-sets")]
    [InlineData("queues")]
    [InlineData("passthrough-two-sets")]
    [InlineData("metadata-pva")]
    [InlineData("metadata-ca")]
    public async Task An_example_runs_with_every_frame_accounted_for(string name)
    {
        var (result, folder, stats) = await RunAsync(Example(name), "--runtime", "7");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("VERDICT: every frame accounted for, no stage failed", result.Stdout, StringComparison.Ordinal);
        Assert.True(stats["good"]!.GetValue<bool>());
        var published = Published(stats);
        Assert.True(published > 50, $"{published} frames published\n{result}");
        foreach (var p in Processes(stats))
        {
            Assert.Equal(0, p["missed"]!.GetValue<long>() + p["rejected"]!.GetValue<long>() + p["overruns"]!.GetValue<long>() + p["errors"]!.GetValue<long>());
            Assert.True(File.Exists(Path.Combine(folder, p["label"]!.GetValue<string>() + ".log")));
        }
    }

    [Fact]
    public async Task The_demo_gathers_every_frame_into_one_hdf5_file()
    {
        var (result, folder, stats) = await RunAsync(Example("demo"), "--runtime", "7");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("rotate: ", result.Stdout, StringComparison.Ordinal);
        var file = Assert.Single(Directory.GetFiles(folder, "demo_*.h5"));
        var published = Published(stats);
        Assert.True(new FileInfo(file).Length >= published * 256 * 256 * 2, $"{new FileInfo(file).Length} bytes for {published} frames");
        var gather = Processes(stats).Single(p => p["label"]!.GetValue<string>() == "gather");
        Assert.True(gather["processed"]!.GetValue<long>() >= published, result.ToString());
    }

    [Fact]
    public async Task Split_and_stitch_give_back_every_frame_bit_for_bit()
    {
        var (result, folder, stats) = await RunAsync(Example("split-stitch"), "--runtime", "7");
        Assert.True(result.ExitCode == 0, result.ToString());
        var originals = Directory.GetFiles(Path.Combine(folder, "originals"), "*.npy").Select(Path.GetFileName).Order().ToList();
        var stitched = Directory.GetFiles(Path.Combine(folder, "stitched"), "*.npy").Select(Path.GetFileName).Order().ToList();
        Assert.True(originals.Count >= Published(stats) - 1, $"{originals.Count} originals of {Published(stats)}");
        Assert.Equal(originals, stitched);
        foreach (var name in originals)
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(folder, "originals", name!)), File.ReadAllBytes(Path.Combine(folder, "stitched", name!)));
        }
    }

    [Theory]
    [InlineData("mirror-file-writers")]
    [InlineData("collector-file-writers")]
    public async Task File_writers_write_every_frame_once(string name)
    {
        var (result, folder, stats) = await RunAsync(Example(name), "--runtime", "7");
        Assert.True(result.ExitCode == 0, result.ToString());
        var files = Directory.GetFiles(Path.Combine(folder, "frames"), "*.tiff");
        var ids = files.Select(f => FrameId().Match(Path.GetFileName(f)).Groups[1].Value).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.True(files.Length >= Published(stats) - 2, $"{files.Length} files for {Published(stats)} frames\n{result}");
    }

    [Fact]
    public async Task Encrypted_frames_are_decrypted_and_processed_with_nothing_rejected()
    {
        var key = Path.Combine(_scratch, "key.pem");
        using (var rsa = RSA.Create(2048))
        {
            await File.WriteAllTextAsync(key, rsa.ExportPkcs8PrivateKeyPem());
        }

        _env["PVSTREAM_RSA_KEY"] = key;
        var (result, _, stats) = await RunAsync(Example("encryption"), "--runtime", "7");
        Assert.True(result.ExitCode == 0, result.ToString());
        var rotate = Processes(stats).Single(p => p["label"]!.GetValue<string>() == "rotate-1");
        Assert.True(rotate["processed"]!.GetValue<long>() + 3 >= Published(stats), result.ToString());
    }

    [Fact]
    public async Task A_killed_stage_is_reported_restarted_and_its_gap_counted()
    {
        var workflow = Path.Combine(_scratch, "restart.yaml");
        await File.WriteAllTextAsync(workflow, """
            name: restart
            stages:
              - name: detector
                type: ad-sim-server
                options: { channel-name: rs:image, n-x-pixels: 32, n-y-pixels: 32, frame-rate: 50, runtime: 30, start-delay: 3, shutdown-delay: 1, report-period: 0 }
              - name: reader
                type: consumer
                restart: on-failure
                options: { input-channel: rs:image, server-queue-size: 100 }
            """);
        using var run = RunningTool.Start(_env, "run", "--plain", "--report-period", "0", "--runs-folder", _scratch, "--runtime", "14", workflow);
        var started = await run.StdoutLineAsync(l => l.StartsWith("Started reader-1 (pid ", StringComparison.Ordinal), Limit);
        await run.StdoutLineAsync(l => l.StartsWith("All 2 processes up", StringComparison.Ordinal), Limit);
        await Task.Delay(TimeSpan.FromSeconds(5));
        var pid = int.Parse(Pid().Match(started).Groups[1].Value, CultureInfo.InvariantCulture);
        System.Diagnostics.Process.GetProcessById(pid).Kill();

        await run.StdoutLineAsync(l => l.StartsWith("Restarting reader-1 (1 of at most 3)", StringComparison.Ordinal), Limit);
        Assert.Equal(1, await run.WaitForExitAsync(Limit)); // frames sent while it was down are lost: the verdict says so
        var transcript = run.Transcript;
        Assert.Contains("reader-1 exited with code 137", transcript, StringComparison.Ordinal);
        Assert.Contains("reader-1 was restarted 1 time(s)", transcript, StringComparison.Ordinal);
        Assert.Contains("LOST between detector and reader", transcript, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_workflow_files_are_refused_with_every_problem()
    {
        var workflow = Path.Combine(_scratch, "bad.yaml");
        await File.WriteAllTextAsync(workflow, """
            name: bad
            stages:
              - name: reader
                type: consumer
                options: { input-channel: nobody:serves, procesor-class: X }
            """);
        var result = await Tool.RunAsync(_env, Limit, "run", "--check", workflow);
        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        Assert.Contains($"Error: {workflow}:3: stage 'reader': unknown consumer option 'procesor-class'; did you mean 'processor-class'?", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("reads channel 'nobody:serves', which no stage serves", result.Stderr, StringComparison.Ordinal);

        var missing = await Tool.RunAsync(_env, Limit, "run", Path.Combine(_scratch, "none.yaml"));
        Assert.Equal(ExitCodes.BadInput, missing.ExitCode);
        Assert.Contains("cannot read the workflow file", missing.Stderr, StringComparison.Ordinal);

        var check = await Tool.RunAsync(_env, Limit, "run", "--check", Example("demo"));
        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.Contains("start order (downstream first): gather, rotate, detector", check.Stdout, StringComparison.Ordinal);
    }

    private async Task<(ToolResult Result, string Folder, JsonObject Stats)> RunAsync(string workflow, params string[] extra)
    {
        var runs = Path.Combine(_scratch, "runs");
        var result = await Tool.RunAsync(_env, Limit, ["run", "--plain", "--report-period", "0", "--runs-folder", runs, .. extra, workflow]);
        var folder = Assert.Single(Directory.GetDirectories(runs));
        var statsFile = Path.Combine(folder, "statistics.json");
        Assert.True(File.Exists(statsFile), result.ToString());
        return (result, folder, JsonNode.Parse(await File.ReadAllTextAsync(statsFile))!.AsObject());
    }

    private static IEnumerable<JsonObject> Processes(JsonObject stats) => stats["processes"]!.AsArray().Select(p => p!.AsObject());

    private static long Published(JsonObject stats) => Processes(stats).Where(p => p["type"]!.GetValue<string>() == "ad-sim-server").Sum(p => p["published"]!.GetValue<long>());

    [GeneratedRegex(@"\(pid (\d+)\)")]
    private static partial Regex Pid();

    [GeneratedRegex(@"_(\d+)\.")]
    private static partial Regex FrameId();
}
