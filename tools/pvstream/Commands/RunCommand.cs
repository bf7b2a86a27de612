using System.CommandLine;
using System.Globalization;
using Pvstream.Cli;
using Pvstream.Metrics;
using Pvstream.Web;
using Pvstream.Workflows;
using Pvstream.Workflows.Emit;

namespace Pvstream.Commands;

/// <summary>
/// <c>pvstream run workflow.yaml</c>: a whole pipeline from one file (docs/workflow.md). <c>--check</c> validates the
/// file and compiles its processors without starting anything.
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var file = new Argument<string?>("workflow") { Description = "The workflow file (YAML; see docs/workflow.md)", Arity = ArgumentArity.ZeroOrOne };
        var schema = new Option<bool>("--schema") { Description = "Print the JSON Schema of workflow files (docs/workflow.schema.json) and exit" };
        var check = new Option<bool>("--check") { Description = "Validate the workflow file (options, wiring, processors) and exit" };
        var runtime = new Option<double?>("--runtime", "-rt") { Description = "Stop this many seconds after every stage is up (overrides the file's runtime)" };
        var runs = new Option<string>("--runs-folder") { Description = "Where the run folder (logs, statistics.json, written files) is made", DefaultValueFactory = _ => "runs" };
        var plain = new Option<bool>("--plain") { Description = "Plain report lines instead of the live dashboard (the default when output is not a terminal)" };
        var period = new Option<double>("--report-period", "-rp") { Description = "Seconds between plain report lines (0: none)", DefaultValueFactory = _ => 5 };
        var readyTimeout = new Option<double>("--ready-timeout") { Description = "Seconds each process has to come up", DefaultValueFactory = _ => 60 };
        var metricsPort = MetricsEndpoint.CreateOption();
        var emit = new Option<string?>("--emit") { Description = "Print the workflow for a cluster and exit: slurm (a batch script) or kubernetes (manifests); see docs/multi-host.md" };
        var web = new Option<int?>("--web") { Description = "Serve a live web page (stage graph with rates, queues and losses; thumbnails of the frames) on http://host:PORT/" };
        var command = new Command("run", "Run a whole pipeline from a workflow file: start every stage, watch it, stop it, judge it")
        {
            file, check, schema, runtime, runs, plain, period, readyTimeout, metricsPort, web, emit,
        };
        CliRunner.SetAction(command, async (parse, ct) =>
        {
            if (parse.GetValue(schema))
            {
                Console.Out.Write(WorkflowSchema.Generate());
                return ExitCodes.Success;
            }

            var path = parse.GetValue(file) ?? throw new CliException("Error: pvstream run needs a workflow file (see docs/workflow.md)", ExitCodes.BadInput);
            IReadOnlyList<StagePlan> plans;
            Workflow workflow;
            try
            {
                workflow = WorkflowFile.Load(path);
                plans = WorkflowCheck.Check(workflow);
            }
            catch (WorkflowException e)
            {
                foreach (var problem in e.Problems)
                {
                    await Console.Error.WriteLineAsync($"Error: {problem}");
                }

                return ExitCodes.BadInput;
            }

            if (parse.GetValue(check))
            {
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{path}: workflow '{workflow.Name}' is valid: {plans.Count} stages, {plans.Sum(p => p.Processes.Count)} processes; start order (downstream first): {string.Join(", ", plans.Select(p => p.Stage.Name))}"));
                return ExitCodes.Success;
            }

            switch (parse.GetValue(emit))
            {
                case null:
                    break;
                case "slurm":
                    Console.Out.Write(ClusterEmitter.Slurm(workflow, plans));
                    return ExitCodes.Success;
                case "kubernetes" or "k8s":
                    Console.Out.Write(ClusterEmitter.Kubernetes(workflow, plans));
                    return ExitCodes.Success;
                case var other:
                    throw new CliException($"Error: --emit {other}: use slurm or kubernetes", ExitCodes.BadInput);
            }

            if (parse.GetValue(runtime) is <= 0)
            {
                throw new CliException("Error: --runtime must be greater than 0", ExitCodes.BadInput);
            }

            var folder = Path.GetFullPath(Path.Combine(parse.GetValue(runs)!,
                $"{workflow.Name}-{DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}"));
            var options = new RunOptions
            {
                Runtime = parse.GetValue(runtime) is { } r ? TimeSpan.FromSeconds(r) : null,
                ReadyTimeout = TimeSpan.FromSeconds(parse.GetValue(readyTimeout)),
            };
            var live = !parse.GetValue(plain) && !Console.IsOutputRedirected && Spectre.Console.AnsiConsole.Profile.Capabilities.Interactive;
            IWorkflowDashboard shown = live ? new LiveDashboard() : new PlainDashboard(Console.Out, TimeSpan.FromSeconds(parse.GetValue(period)));
            var page = new WebDashboard(shown, workflow, plans);
            var watched = new MetricsDashboard(page);
            await using IWorkflowDashboard dashboard = watched;
            using var metrics = MetricsEndpoint.Start(parse.GetValue(metricsPort), watched.Samples);
            await using var webServer = parse.GetValue(web) is { } webPort
                ? WebServer.Start(webPort, page, EpicsEnvironment.ClientOptions(Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance))
                : null;
            var runner = new WorkflowRunner(workflow, plans, folder, options, dashboard);
            return await runner.RunAsync(EpicsEnvironment.ClientOptions(Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance), ct);
        });
        return command;
    }
}
