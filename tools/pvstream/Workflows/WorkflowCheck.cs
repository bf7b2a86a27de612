using System.CommandLine;
using System.Globalization;
using Epics.Streaming;
using Epics.Streaming.Processors.Loading;
using Pvstream.Cli;
using Pvstream.Commands;

namespace Pvstream.Workflows;

/// <summary>
/// Everything <c>pvstream run --check</c> verifies before a process starts: option names (each stage's options are the
/// long names of its subcommand), the wiring (every channel a stage uses is served by a stage or listed as external,
/// no channel served twice, no loop), and that processor source files compile. All problems are reported at once.
/// </summary>
internal static class WorkflowCheck
{
    /// <summary>The plans of <paramref name="workflow"/>'s stages in start order (downstream first); throws <see cref="WorkflowException"/>.</summary>
    public static IReadOnlyList<StagePlan> Check(Workflow workflow, bool compileProcessors = true)
    {
        var problems = new List<string>();
        string Where(Stage s) => string.Create(CultureInfo.InvariantCulture, $"{workflow.FilePath}:{s.Line}: stage '{s.Name}'");

        var plans = new List<StagePlan>();
        foreach (var stage in workflow.Stages)
        {
            var known = OptionNames(stage.Type);
            foreach (var option in stage.Options.Keys)
            {
                if (StagePlan.RunnerOptions.Contains(option))
                {
                    problems.Add($"{Where(stage)}: option '{option}' is set by the runner{(option == "n-consumers" ? " (use the stage's count)" : "")}");
                }
                else if (!known.Contains(option))
                {
                    problems.Add($"{Where(stage)}: unknown {stage.Command} option '{option}'; did you mean '{CommandNames.Closest(option, known)}'?");
                }
            }

            try
            {
                plans.Add(StagePlan.Build(workflow, stage));
            }
            catch (Exception e) when (e is CliException or FormatException or OverflowException or StreamingConfigurationException)
            {
                problems.Add($"{Where(stage)}: {e.Message.Replace("Error: ", "", StringComparison.Ordinal)}");
            }
        }

        // Wiring: who serves each channel.
        var hostOf = new Dictionary<string, StagePlan>(StringComparer.Ordinal);
        foreach (var plan in plans)
        {
            foreach (var channel in plan.Hosts)
            {
                if (hostOf.TryGetValue(channel, out var other))
                {
                    problems.Add($"{Where(plan.Stage)}: channel '{channel}' is also served by stage '{other.Stage.Name}' (channel names must be unique)");
                }
                else
                {
                    hostOf[channel] = plan;
                }
            }
        }

        foreach (var plan in plans)
        {
            foreach (var use in plan.Uses.Where(u => !hostOf.ContainsKey(u.Name) && !workflow.External.Contains(u.Name)))
            {
                problems.Add($"{Where(plan.Stage)}: reads channel '{use.Name}', which no stage serves (list it under 'external:' if it comes from outside the workflow)");
            }
        }

        if (compileProcessors)
        {
            foreach (var plan in plans.Where(p => p.Stage.Type is StageType.Consumer or StageType.Collector))
            {
                var files = plan.Stage.Option("processor-file");
                var cls = plan.Stage.Option("processor-class");
                if (files is null && cls is null)
                {
                    continue;
                }

                try
                {
                    var paths = files?.Split(',').Select(f => Path.GetFullPath(f.Trim(), workflow.Folder)).ToList() ?? [];
                    ProcessorLoader.Resolve(paths, cls);
                }
                catch (ProcessorLoadException e)
                {
                    problems.Add($"{Where(plan.Stage)}: processor does not load: {e.Message}");
                }
            }
        }

        var ordered = StartOrder(plans, hostOf, problems, workflow);
        return problems.Count > 0 ? throw new WorkflowException(problems) : ordered;
    }

    /// <summary>The long option names (without dashes) of a stage type's subcommand.</summary>
    public static HashSet<string> OptionNames(StageType type) => [.. Options(type).Select(o => o.Name[2..])];

    /// <summary>The long options of a stage type's subcommand (the runner's own included).</summary>
    public static IEnumerable<Option> Options(StageType type)
    {
        Command command = type switch
        {
            StageType.AdSimServer => AdSimServerCommand.Create(),
            StageType.MirrorServer => MirrorServerCommand.Create(),
            StageType.Consumer => ConsumerCommand.Create(),
            _ => CollectorCommand.Create(),
        };
        return command.Options.Where(o => o.Name.StartsWith("--", StringComparison.Ordinal) && o.Name is not ("--help" or "--version"));
    }

    // Downstream first: a stage starts after every stage its frames flow into, so nothing is missed at the start.
    private static List<StagePlan> StartOrder(List<StagePlan> plans, Dictionary<string, StagePlan> hostOf, List<string> problems, Workflow workflow)
    {
        var downstream = plans.ToDictionary(p => p, _ => new HashSet<StagePlan>());
        foreach (var plan in plans)
        {
            foreach (var use in plan.Uses)
            {
                if (hostOf.TryGetValue(use.Name, out var host) && host != plan)
                {
                    // Monitoring: frames flow host -> user. Putting: user -> host.
                    _ = use.DataIn ? downstream[host].Add(plan) : downstream[plan].Add(host);
                }
            }
        }

        var order = new List<StagePlan>();
        var state = plans.ToDictionary(p => p, _ => 0); // 0 new, 1 visiting, 2 done
        void Visit(StagePlan p)
        {
            if (state[p] == 2)
            {
                return;
            }

            if (state[p] == 1)
            {
                problems.Add($"{workflow.FilePath}:{p.Stage.Line}: stage '{p.Stage.Name}' is part of a loop of stages; frames must flow one way");
                return;
            }

            state[p] = 1;
            foreach (var d in downstream[p])
            {
                Visit(d);
            }

            state[p] = 2;
            order.Add(p);
        }

        foreach (var p in plans)
        {
            Visit(p);
        }

        return order;
    }
}
