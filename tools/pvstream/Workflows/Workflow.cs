namespace Pvstream.Workflows;

/// <summary>What a stage runs: one of the streaming subcommands.</summary>
internal enum StageType
{
    AdSimServer,
    MirrorServer,
    Consumer,
    Collector,
}

/// <summary>What the runner does when a stage's process ends by itself with an error.</summary>
internal enum RestartPolicy
{
    /// <summary>Report it and stop the whole run.</summary>
    No,

    /// <summary>Report it and start it again (at most <see cref="Stage.MaxRestarts"/> times).</summary>
    OnFailure,
}

/// <summary>
/// A pipeline read from a workflow file: stages (each a streaming subcommand with its options, by the long option names
/// of the command line), the channels that come from outside, and how long to run.
/// </summary>
internal sealed record Workflow(
    string Name,
    string FilePath,
    double? Runtime,
    IReadOnlyList<string> External,
    IReadOnlyList<Stage> Stages)
{
    /// <summary>The folder of the workflow file: relative file paths in stage options are relative to it.</summary>
    public string Folder => Path.GetDirectoryName(Path.GetFullPath(FilePath)) ?? ".";
}

/// <summary>
/// One stage. <see cref="Options"/> maps long option names (without dashes) to their command-line text; a flag maps to
/// an empty string. A consumer stage with <see cref="Count"/> N runs N consumer processes.
/// </summary>
internal sealed record Stage(
    string Name,
    StageType Type,
    int Count,
    IReadOnlyDictionary<string, string> Options,
    RestartPolicy Restart,
    int MaxRestarts,
    int Line)
{
    /// <summary>Where the stage runs when emitted for a cluster (a SLURM node or a Kubernetes node name); null: anywhere.</summary>
    public string? Host { get; init; }

    public string? Option(string name) => Options.TryGetValue(name, out var v) ? v : null;

    /// <summary>The subcommand name: <c>ad-sim-server</c>, <c>mirror-server</c>, <c>consumer</c>, <c>collector</c>.</summary>
    public string Command => CommandName(Type);

    public static string CommandName(StageType type) => type switch
    {
        StageType.AdSimServer => "ad-sim-server",
        StageType.MirrorServer => "mirror-server",
        StageType.Consumer => "consumer",
        _ => "collector",
    };
}

/// <summary>A workflow file that cannot be run, with every problem found (file:line: message).</summary>
internal sealed class WorkflowException(IReadOnlyList<string> problems)
    : Exception(string.Join(Environment.NewLine, problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
