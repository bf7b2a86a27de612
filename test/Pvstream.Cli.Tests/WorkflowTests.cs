using Pvstream.Workflows;

namespace Pvstream.Cli.Tests;

/// <summary>Workflow files without processes: reading, checking (options, wiring, processors), start order, schema.</summary>
public sealed class WorkflowTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"pvstream-workflow-{Guid.NewGuid():N}");

    public WorkflowTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string Examples => Path.Combine(RepoRoot, "examples", "workflows");

    private static string RepoRoot => Repository.Root;

    [Fact]
    public void Every_example_workflow_passes_the_check()
    {
        Environment.SetEnvironmentVariable("PVSTREAM_RSA_KEY", "/tmp/not-read-by-the-check");
        var files = Directory.GetFiles(Examples, "*.yaml");
        Assert.True(files.Length >= 13, $"{files.Length} examples");
        foreach (var file in files)
        {
            var plans = WorkflowCheck.Check(WorkflowFile.Load(file));
            Assert.NotEmpty(plans);
        }
    }

    [Fact]
    public void Stages_start_downstream_first_and_consumer_groups_become_processes()
    {
        var plans = WorkflowCheck.Check(WorkflowFile.Load(Path.Combine(Examples, "demo.yaml")));
        Assert.Equal(["gather", "rotate", "detector"], plans.Select(p => p.Stage.Name));
        var rotate = plans[1];
        Assert.Equal(["rotate-1", "rotate-2"], rotate.Processes.Select(p => p.Label));
        var args = rotate.Processes[1].Arguments;
        Assert.Equal("consumer", args[0]);
        Assert.Equal("2", After(args, "--consumer-id"));
        Assert.Equal("1", After(args, "--n-consumers"));
        Assert.Equal("2", After(args, "--oid-offset")); // the group's distributor step, as -nc 2 would compute it
        Assert.Equal("demo:rotate:*:status", After(args, "--status-channel"));
        Assert.Equal(Path.Combine(RepoRoot, "examples", "processors", "HpcAdImageProcessor.cs"), After(args, "--processor-file"));
        Assert.Contains("demo:rotated:2", rotate.Hosts);
        Assert.Contains(rotate.Uses, u => u.Name == "demo:image" && u.DataIn);
        Assert.Equal("demo:rotate:2:status", rotate.Processes[1].StatusChannel);
        Assert.Contains("--disable-curses", args);

        var gather = plans[0].Processes.Single().Arguments;
        Assert.Equal("{\"outputDirectory\":\".\",\"outputFileNameFormat\":\"demo_{outputFileId:03d}.h5\",\"nImagesPerFile\":5000}", After(gather, "--processor-args"));
    }

    [Fact]
    public void Every_problem_is_reported_with_its_line()
    {
        var e = Assert.Throws<WorkflowException>(() => WorkflowFile.Parse("""
            name: bad
            stagess: []
            stages:
              - name: a
                type: consumr
              - name: b
                type: collector
                count: 2
                restart: always
              - name: b
                type: consumer
                options: { input-channel: "${PVSTREAM_SURELY_UNSET_VARIABLE}" }
            """, "bad.yaml"));
        Assert.Contains("bad.yaml:2: unknown workflow key 'stagess' (did you mean 'stages'?", e.Message, StringComparison.Ordinal);
        Assert.Contains("bad.yaml:5: stage 'a': type must be ad-sim-server, mirror-server, consumer or collector, not 'consumr'", e.Message, StringComparison.Ordinal);
        Assert.Contains("bad.yaml:8: stage 'b': only consumer stages have a count", e.Message, StringComparison.Ordinal);
        Assert.Contains("bad.yaml:9: stage 'b': restart must be 'no' or 'on-failure', not 'always'", e.Message, StringComparison.Ordinal);
        Assert.Contains("environment variable PVSTREAM_SURELY_UNSET_VARIABLE is not set", e.Message, StringComparison.Ordinal);
        Assert.Contains("stage name 'b' is used more than once", e.Message, StringComparison.Ordinal);

        Assert.Contains("not valid YAML", Assert.Throws<WorkflowException>(() => WorkflowFile.Parse("stages: [", "x.yaml")).Message, StringComparison.Ordinal);
        Assert.Contains("stages must be a non-empty list", Assert.Throws<WorkflowException>(() => WorkflowFile.Parse("name: x", "x.yaml")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_check_finds_bad_options_unserved_inputs_doubly_served_channels_and_loops()
    {
        var workflow = WorkflowFile.Parse("""
            name: wiring
            external: [ioc:image]
            stages:
              - name: sim
                type: ad-sim-server
                options: { channel-name: w:image, frame-rat: 10 }
              - name: other-sim
                type: ad-sim-server
                options: { channel-name: w:image }
              - name: reader
                type: consumer
                options: { input-channel: w:missing, n-consumers: 2 }
              - name: ioc-reader
                type: consumer
                options: { input-channel: "ioc:image" }
              - name: loop-a
                type: consumer
                options: { input-channel: w:b, output-channel: w:a }
              - name: loop-b
                type: consumer
                options: { input-channel: w:a, output-channel: w:b }
            """, Path.Combine(_folder, "wiring.yaml"));
        var e = Assert.Throws<WorkflowException>(() => WorkflowCheck.Check(workflow));
        Assert.Contains("stage 'sim': unknown ad-sim-server option 'frame-rat'; did you mean 'frame-rate'?", e.Message, StringComparison.Ordinal);
        Assert.Contains("stage 'other-sim': channel 'w:image' is also served by stage 'sim'", e.Message, StringComparison.Ordinal);
        Assert.Contains("stage 'reader': option 'n-consumers' is set by the runner (use the stage's count)", e.Message, StringComparison.Ordinal);
        Assert.Contains("stage 'reader': reads channel 'w:missing', which no stage serves (list it under 'external:'", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("ioc:image", e.Message, StringComparison.Ordinal);
        Assert.Contains("is part of a loop of stages", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_processor_that_does_not_compile_fails_the_check_with_the_compilers_message()
    {
        File.WriteAllText(Path.Combine(_folder, "Broken.cs"), "public sealed class Broken : UserDataProcessor { this is not C# }");
        var workflow = WorkflowFile.Parse("""
            stages:
              - name: sim
                type: ad-sim-server
                options: { channel-name: b:image }
              - name: broken
                type: consumer
                options: { input-channel: b:image, processor-file: Broken.cs, processor-class: Broken }
            """, Path.Combine(_folder, "broken.yaml"));
        var e = Assert.Throws<WorkflowException>(() => WorkflowCheck.Check(workflow));
        Assert.Contains("stage 'broken': processor does not load:", e.Message, StringComparison.Ordinal);
        Assert.Contains("Broken.cs:1:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_committed_schema_is_the_one_the_commands_make()
    {
        var committed = File.ReadAllText(Path.Combine(RepoRoot, "docs", "workflow.schema.json")).ReplaceLineEndings("\n");
        Assert.True(committed == WorkflowSchema.Generate(), "docs/workflow.schema.json is stale: run `./pvstream run --schema > docs/workflow.schema.json`");
        Assert.Contains("\"frame-rate\"", committed, StringComparison.Ordinal);
        Assert.Contains("\"collector-max-wait\"", committed, StringComparison.Ordinal);
        Assert.DoesNotContain("\"n-consumers\"", committed, StringComparison.Ordinal);
    }

    private static string After(IReadOnlyList<string> args, string option) => args[args.ToList().IndexOf(option) + 1];
}
