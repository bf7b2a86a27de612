using YamlDotNet.RepresentationModel;

namespace Pvstream.Cli.Tests;

/// <summary>
/// <c>pvstream run --emit slurm|kubernetes</c>: every process of an example workflow is in the SLURM script and the
/// Kubernetes manifests, which parse as objects of the right kinds, with placement and name-server addressing.
/// </summary>
public sealed class ClusterEmitTests : IDisposable
{
    private readonly string _scratch = Path.Combine(Path.GetTempPath(), $"pvstream-emit-{Guid.NewGuid():N}");

    public ClusterEmitTests() => Directory.CreateDirectory(_scratch);

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    [Fact]
    public async Task Slurm_gets_one_srun_step_per_process_downstream_first_with_placement()
    {
        var result = await Tool.RunAsync(new Dictionary<string, string>(), "run", "--emit", "slurm", PlacedWorkflow());
        Assert.True(result.ExitCode == 0, result.ToString());
        var steps = result.Stdout.Split('\n').Where(l => l.StartsWith("srun ", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, steps.Count);
        Assert.Contains("--job-name=sink-1 ", steps[0], StringComparison.Ordinal);
        Assert.Contains("--job-name=sink-2 ", steps[1], StringComparison.Ordinal);
        Assert.Contains("--nodelist=node-b", steps[0], StringComparison.Ordinal);
        Assert.Contains("ad-sim-server --channel-name emit:image", steps[2], StringComparison.Ordinal);
        Assert.Contains("'emit:*:status'", steps[0], StringComparison.Ordinal); // quoted: no globbing
        Assert.Contains("#SBATCH --ntasks=3", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("EPICS_PVA_ADDR_LIST=", result.Stdout, StringComparison.Ordinal);
        Assert.EndsWith("wait\n", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kubernetes_gets_a_job_or_deployment_per_process_and_a_headless_service_per_stage()
    {
        var result = await Tool.RunAsync(new Dictionary<string, string>(), "run", "--emit", "kubernetes", PlacedWorkflow());
        Assert.True(result.ExitCode == 0, result.ToString());
        var stream = new YamlStream();
        stream.Load(new StringReader(result.Stdout));
        var objects = stream.Documents.Select(d => (YamlMappingNode)d.RootNode).ToList();
        string Get(YamlNode node, params string[] path) => path.Aggregate(node, (n, key) => ((YamlMappingNode)n)[key]).ToString();
        var kinds = objects.Select(o => (Get(o, "kind"), Get(o, "metadata", "name"))).ToList();
        Assert.Equal(
            [("Service", "emit-sink"), ("Deployment", "emit-sink-1"), ("Deployment", "emit-sink-2"), ("Service", "emit-detector"), ("Job", "emit-detector")],
            kinds);
        foreach (var service in objects.Where(o => Get(o, "kind") == "Service"))
        {
            Assert.Equal("None", Get(service, "spec", "clusterIP"));
        }

        foreach (var workload in objects.Where(o => Get(o, "kind") is "Deployment" or "Job"))
        {
            var pod = (YamlMappingNode)((YamlMappingNode)workload["spec"])["template"];
            var container = (YamlMappingNode)((YamlSequenceNode)((YamlMappingNode)pod["spec"])["containers"])[0];
            var env = ((YamlSequenceNode)container["env"]).Cast<YamlMappingNode>().ToDictionary(e => e["name"].ToString(), e => e["value"].ToString());
            Assert.Equal("emit-sink:5075 emit-detector:5075", env["EPICS_PVA_NAME_SERVERS"]);
            Assert.Equal("5075", env["EPICS_PVAS_SERVER_PORT"]);
            if (Get(workload, "kind") == "Deployment")
            {
                Assert.Equal("node-b", Get(pod, "spec", "nodeSelector", "kubernetes.io/hostname"));
                Assert.Equal(Get(workload, "spec", "selector", "matchLabels", "pvstream/stage"), Get(pod, "metadata", "labels", "pvstream/stage"));
            }
        }
    }

    [Fact]
    public async Task An_unknown_target_is_refused()
    {
        var result = await Tool.RunAsync(new Dictionary<string, string>(), "run", "--emit", "nomad", PlacedWorkflow());
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("--emit nomad", result.Stderr, StringComparison.Ordinal);
    }

    private string PlacedWorkflow()
    {
        var path = Path.Combine(_scratch, "emit.yaml");
        File.WriteAllText(path, """
            name: emit
            stages:
              - name: detector
                type: ad-sim-server
                options:
                  channel-name: emit:image
                  frame-rate: 10
              - name: sink
                type: consumer
                count: 2
                host: node-b
                options:
                  input-channel: emit:image
                  status-channel: "emit:*:status"
                  distributor-updates: 1
            """);
        return path;
    }
}
