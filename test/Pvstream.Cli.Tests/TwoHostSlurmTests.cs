using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Pvstream.Cli.Tests;

/// <summary>
/// docs/multi-host.md, checked: the SLURM script <c>pvstream run --emit slurm</c> writes for a source on nodeA and a
/// consumer on nodeB runs as written, with <c>srun</c> and <c>scontrol</c> stand-ins that start each step in its node's
/// network namespace (<see cref="TwoHostNetwork"/>: two subnets and a router). The consumer gets every frame over the
/// routed link by the unicast search the script sets up; a consumer on nodeB left to broadcast finds nothing.
/// Skipped where namespaces cannot be made (not root, no iproute2).
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed partial class TwoHostSlurmTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(45);
    private readonly string _scratch = Path.Combine(Path.GetTempPath(), $"pvstream-two-hosts-{Guid.NewGuid():N}");

    public TwoHostSlurmTests() => Directory.CreateDirectory(_scratch);

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    [Fact]
    public async Task The_emitted_slurm_script_streams_every_frame_from_one_host_to_another_and_broadcast_does_not_cross()
    {
        using var network = TwoHostNetwork.TryCreate(out var why);
        if (network is null)
        {
            Assert.Skip($"no network namespaces here: {why}");
        }

        var emitted = await Tool.RunAsync(new Dictionary<string, string>(), "run", "--emit", "slurm", Workflow());
        Assert.True(emitted.ExitCode == 0, emitted.ToString());
        var script = Path.Combine(_scratch, "job.sh");
        File.WriteAllText(script, emitted.Stdout);
        var bin = WriteShims(network);

        // The same consumer on nodeB, searching the way a host does by default: broadcast on its own subnet.
        using var broadcasting = Start(_scratch, "ip", ["netns", "exec", network.NodeB, "dotnet", Tool.DllPath, "consumer", "-ic", "twohosts:image", "-rt", "14", "-dc"],
            new() { ["EPICS_PVA_AUTO_ADDR_LIST"] = "YES", ["EPICS_PVAS_SERVER_PORT"] = "0", ["EPICS_PVAS_BROADCAST_PORT"] = "5176" });
        using var job = Start(_scratch, "bash", [script], new()
        {
            ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH"),
            ["SLURM_JOB_NODELIST"] = "nodeA,nodeB",
            ["PVSTREAM"] = Path.Combine(bin, "pvstream"),
        });
        await WaitAsync(job, "the job script");
        var lost = await WaitAsync(broadcasting, "the broadcasting consumer");
        var source = File.ReadAllText(Path.Combine(_scratch, "detector.log"));
        var sink = File.ReadAllText(Path.Combine(_scratch, "sink-1.log"));

        var published = int.Parse(PublishedFrames().Match(source).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(published >= 150, source);
        Assert.Equal(published, Last(sink, "nProcessed"));
        Assert.Equal(0, Last(sink, "nMissed"));
        Assert.Equal(published, Last(sink, "lastObjectId"));
        Assert.Equal(0, Last(lost, "nReceived"));
    }

    private string Workflow()
    {
        // The source starts last (the script's order) and waits 4 s, long enough for the consumer's search to find it.
        var path = Path.Combine(_scratch, "two-hosts.yaml");
        File.WriteAllText(path, """
            name: two-hosts
            stages:
              - name: detector
                type: ad-sim-server
                host: nodeA
                options:
                  channel-name: twohosts:image
                  n-x-pixels: 32
                  n-y-pixels: 32
                  datatype: uint8
                  frame-rate: 100
                  runtime: 2
                  start-delay: 4
                  shutdown-delay: 1
                  report-period: 0
              - name: sink
                type: consumer
                host: nodeB
                options:
                  input-channel: twohosts:image
                  server-queue-size: 400
                  runtime: 14
            """);
        return path;
    }

    /// <summary>srun: a step runs in its <c>--nodelist</c> node's namespace; scontrol: the job's node names; pvstream: the built tool.</summary>
    private string WriteShims(TwoHostNetwork network)
    {
        var bin = Path.Combine(_scratch, "bin");
        Directory.CreateDirectory(bin);
        WriteScript(Path.Combine(bin, "srun"), $$"""
            #!/bin/bash
            node=
            while [ $# -gt 0 ]; do
              case "$1" in
                --nodelist=*) node=${1#--nodelist=}; shift ;;
                -w|--nodelist) node=$2; shift 2 ;;
                -*) shift ;;
                *) break ;;
              esac
            done
            case "$node" in
              nodeA) exec ip netns exec {{network.NodeA}} "$@" ;;
              nodeB) exec ip netns exec {{network.NodeB}} "$@" ;;
              *) echo "srun: no node '$node'" >&2; exit 1 ;;
            esac
            """);
        WriteScript(Path.Combine(bin, "scontrol"), """
            #!/bin/bash
            [ "$1 $2" = "show hostnames" ] || { echo "scontrol: only 'show hostnames'" >&2; exit 1; }
            tr ',' '\n' <<< "$3"
            """);
        WriteScript(Path.Combine(bin, "pvstream"), $"""
            #!/bin/bash
            exec dotnet '{Tool.DllPath}' "$@"
            """);
        return bin;
    }

    private static void WriteScript(string path, string text)
    {
        File.WriteAllText(path, text.ReplaceLineEndings("\n") + "\n");
        if (!OperatingSystem.IsWindows()) // never reached there: no network namespaces
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private static Process Start(string folder, string program, string[] args, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        // Only what the script (or the test) sets: nothing of the test host's own EPICS settings.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("EPICS_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        start.Environment["DOTNET_NOLOGO"] = "1";
        return Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
    }

    /// <summary>Waits for a started process to succeed; its standard output.</summary>
    private static async Task<string> WaitAsync(Process process, string what)
    {
        using var limit = new CancellationTokenSource(Limit);
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{what} did not finish within {Limit.TotalSeconds} s");
        }

        Assert.True(process.ExitCode == 0, $"{what} failed ({process.ExitCode}): {await stderr}");
        return await stdout;
    }

    /// <summary>The figure in the last report of a consumer's output (its final statistics).</summary>
    private static long Last(string reports, string name)
    {
        var matches = Regex.Matches(reports, $"'{name}': (\\d+)");
        Assert.True(matches.Count > 0, $"no {name} in: {reports}");
        return long.Parse(matches[^1].Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"Published frames: (\d+)")]
    private static partial Regex PublishedFrames();
}
