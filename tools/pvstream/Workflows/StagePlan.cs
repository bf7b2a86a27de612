using System.Globalization;
using Epics.Streaming;
using Epics.Streaming.Processing;
using Pvstream.Streaming;

namespace Pvstream.Workflows;

/// <summary>One process the runner starts for a stage: its label, arguments, and the channel that shows it is up.</summary>
internal sealed record StageProcessSpec(Stage Stage, int? Id, IReadOnlyList<string> Arguments, string? StatusChannel, string? ReadyChannel)
{
    /// <summary><c>stage</c>, or <c>stage-2</c> for consumer 2 of a group.</summary>
    public string Label => Id is { } id && Stage.Type == StageType.Consumer ? string.Create(CultureInfo.InvariantCulture, $"{Stage.Name}-{id}") : Stage.Name;
}

/// <summary>A channel a stage serves or uses. <see cref="DataIn"/>: frames flow from the channel into the stage.</summary>
internal sealed record ChannelUse(string Name, bool DataIn);

/// <summary>
/// What a stage becomes: its processes (a consumer group of N is N consumer processes, each told the object-id step
/// the distributor gives it) and the channels it serves and uses, which wire the stages together. Relative file paths
/// in the options are taken relative to the workflow file.
/// </summary>
internal sealed class StagePlan
{
    private StagePlan(Stage stage, List<StageProcessSpec> processes, List<string> hosts, List<ChannelUse> uses)
    {
        Stage = stage;
        Processes = processes;
        Hosts = hosts;
        Uses = uses;
    }

    public Stage Stage { get; }

    public IReadOnlyList<StageProcessSpec> Processes { get; }

    /// <summary>Channels this stage serves (data, status and control).</summary>
    public IReadOnlyList<string> Hosts { get; }

    /// <summary>Channels this stage connects to.</summary>
    public IReadOnlyList<ChannelUse> Uses { get; }

    /// <summary>Options that name files, resolved against the workflow's folder.</summary>
    public static readonly string[] FileOptions = ["processor-file", "input-file", "input-directory", "config-file"];

    /// <summary>Seconds between a consumer's or collector's reports unless the stage sets its own: the dashboard's refresh.</summary>
    public const string LiveReportPeriod = "1";

    /// <summary>Options the runner sets itself for every process.</summary>
    public static readonly string[] RunnerOptions = ["disable-curses", "n-consumers", "version"];

    public static StagePlan Build(Workflow workflow, Stage stage)
    {
        var options = new Dictionary<string, string>(stage.Options, StringComparer.Ordinal);
        foreach (var key in FileOptions.Where(options.ContainsKey))
        {
            options[key] = string.Join(',', options[key].Split(',').Select(f => Path.GetFullPath(f.Trim(), workflow.Folder)));
        }

        var hosts = new List<string>();
        var uses = new List<ChannelUse>();
        var processes = new List<StageProcessSpec>();
        var statusDefault = $"{Sanitize(workflow.Name)}:{stage.Name}:*:status";
        switch (stage.Type)
        {
            case StageType.AdSimServer:
            {
                var channel = options.GetValueOrDefault("channel-name") ?? new AdSimServerOptions().ChannelName;
                hosts.Add(channel);
                hosts.AddRange(AdSimServer.ParseMetadata(options.GetValueOrDefault("metadata-pv")).Select(m => m.Name));
                processes.Add(new StageProcessSpec(stage, null, Arguments(stage, options), null, channel));
                break;
            }

            case StageType.MirrorServer:
            {
                foreach (var spec in MirrorChannelSpec.ParseMap(options.GetValueOrDefault("channel-map")))
                {
                    hosts.Add(spec.MirrorName);
                    uses.Add(new ChannelUse(spec.SourceName, DataIn: true));
                }

                processes.Add(new StageProcessSpec(stage, null, Arguments(stage, options), null, null));
                break;
            }

            case StageType.Consumer:
            {
                var format = options.GetValueOrDefault("id-format-spec");
                var first = int.Parse(options.GetValueOrDefault("consumer-id") ?? "1", CultureInfo.InvariantCulture);
                var ids = ConsumerIdList.Resolve(options.GetValueOrDefault("consumer-id-list"), first, stage.Count);
                options.Remove("consumer-id-list");
                options.TryAdd("status-channel", statusDefault);
                options.TryAdd("report-period", LiveReportPeriod); // the status channel is updated with each report
                if (!options.ContainsKey("oid-offset") && options.GetValueOrDefault("distributor-updates") is { } du)
                {
                    // Each consumer is its own command (-nc 1): tell it the object-id step its group gets.
                    var updates = int.Parse(new string(du.TakeWhile(char.IsAsciiDigit).ToArray()) is { Length: > 0 } d ? d : "1", CultureInfo.InvariantCulture);
                    var sets = int.Parse(options.GetValueOrDefault("n-distributor-sets") ?? "1", CultureInfo.InvariantCulture);
                    options["oid-offset"] = ObjectIdTracker.ComputeOffset(0, updates, sets, ids.Count).ToString(CultureInfo.InvariantCulture);
                }

                var inputMode = (options.GetValueOrDefault("input-mode") ?? "pva").ToLowerInvariant();
                var outputMode = (options.GetValueOrDefault("output-mode") ?? "pvas").ToLowerInvariant();
                foreach (var id in ids)
                {
                    var perId = new Dictionary<string, string>(options, StringComparer.Ordinal) { ["consumer-id"] = id.ToString(CultureInfo.InvariantCulture) };
                    var status = ConsumerChannelNames.Resolve(perId["status-channel"], "status", id, format)!;
                    hosts.Add(status);
                    if (ConsumerChannelNames.Resolve(perId.GetValueOrDefault("control-channel"), "control", id, format) is { } control)
                    {
                        hosts.Add(control);
                    }

                    var input = ConsumerChannelNames.Resolve(perId.GetValueOrDefault("input-channel") ?? "", "input", id, format)!;
                    if (inputMode is "pvas" or "rpc" or "1" or "2")
                    {
                        hosts.Add(input);
                    }
                    else if (input.Length > 0)
                    {
                        uses.Add(new ChannelUse(input, DataIn: true));
                    }

                    if (ConsumerChannelNames.Resolve(perId.GetValueOrDefault("output-channel"), "output", id, format) is { } output)
                    {
                        if (outputMode == "pvas")
                        {
                            hosts.Add(output);
                        }
                        else
                        {
                            uses.Add(new ChannelUse(output, DataIn: false));
                        }
                    }

                    processes.Add(new StageProcessSpec(stage, id, Arguments(stage, perId), status, status));
                }

                uses.AddRange(AdSimServer.ParseMetadata(options.GetValueOrDefault("metadata-channels")).Select(m => new ChannelUse(m.Name, DataIn: true)));
                break;
            }

            default:
            {
                var format = options.GetValueOrDefault("id-format-spec");
                var id = int.Parse(options.GetValueOrDefault("collector-id") ?? "1", CultureInfo.InvariantCulture);
                options.TryAdd("status-channel", statusDefault);
                options.TryAdd("report-period", LiveReportPeriod);
                var status = CollectorChannelNames.Resolve(options["status-channel"], "status", id, format)!;
                hosts.Add(status);
                if (options.GetValueOrDefault("control-channel") is { } control)
                {
                    hosts.Add(CollectorChannelNames.Resolve(control, "control", id, format)!);
                }

                if (options.GetValueOrDefault("output-channel") is { } output)
                {
                    hosts.Add(CollectorChannelNames.Resolve(output, "output", id, format)!);
                }

                var input = options.GetValueOrDefault("input-channel") ?? "";
                foreach (var producer in ConsumerIdList.Resolve(options.GetValueOrDefault("producer-id-list") ?? "1,2", 1, 1))
                {
                    uses.Add(new ChannelUse(CollectorChannelNames.Producer(input, producer, format), DataIn: true));
                }

                uses.AddRange(AdSimServer.ParseMetadata(options.GetValueOrDefault("metadata-channels")).Select(m => new ChannelUse(m.Name, DataIn: true)));
                processes.Add(new StageProcessSpec(stage, id, Arguments(stage, options), status, status));
                break;
            }
        }

        return new StagePlan(stage, processes, hosts, uses.DistinctBy(u => u.Name).ToList());
    }

    // The command line: the subcommand, then every option by its long name, then the runner's own.
    private static List<string> Arguments(Stage stage, Dictionary<string, string> options)
    {
        var args = new List<string> { stage.Command };
        foreach (var (name, value) in options)
        {
            if (name == "processor-file")
            {
                args.Add("--" + name);
                args.AddRange(value.Split(','));
            }
            else if (value.StartsWith('-'))
            {
                args.Add($"--{name}={value}"); // a value that looks like an option
            }
            else
            {
                args.Add("--" + name);
                if (value.Length > 0)
                {
                    args.Add(value);
                }
            }
        }

        if (stage.Type != StageType.MirrorServer)
        {
            args.Add("--disable-curses"); // plain lines in the log files (the mirror has no live display)
        }

        if (stage.Type == StageType.Consumer)
        {
            args.AddRange(["--n-consumers", "1"]);
        }

        return args;
    }

    private static string Sanitize(string name) =>
        new([.. name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_')]);
}
