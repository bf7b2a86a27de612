using System.Globalization;
using System.Text.Json.Nodes;
using Pvstream.Bench;
using Pvstream.Streaming;

namespace Pvstream.Workflows;

/// <summary>The final figures of one process, from its last printed report (or the source's summary).</summary>
internal sealed record FinalFigures(string Label, string Stage, string Type, int? ExitCode, int Restarts, long Published, long Received, long Processed, long Missed, long Rejected, long Overruns, long Errors, bool Reported);

/// <summary>
/// The end of a run: every process's final figures, and the verdict: every frame accounted for, or where frames were
/// lost (missed, rejected, overrun or failed in a processor) and which stage failed.
/// </summary>
internal static class WorkflowVerdict
{
    public static FinalFigures Final(StageProcess p)
    {
        var output = p.Process?.Output ?? "";
        int? exit = p.Process is { HasExited: true } proc ? proc.ExitCode : null;
        var type = p.Spec.Stage.Command;
        switch (p.Spec.Stage.Type)
        {
            case StageType.AdSimServer:
            {
                var published = ConsumerReportReader.ReadPublished(output);
                return new FinalFigures(p.Label, p.Spec.Stage.Name, type, exit, p.Restarts, published?.Frames ?? 0, 0, 0, 0, 0, 0, 0, published is not null);
            }

            case StageType.Consumer:
            {
                var report = PrintedReport.Last(output, "processorStats");
                var receiver = PrintedReport.Section(report, "receiverStats");
                var processor = PrintedReport.Section(report, "processorStats");
                return new FinalFigures(p.Label, p.Spec.Stage.Name, type, exit, p.Restarts,
                    Published: PrintedReport.Count(PrintedReport.Section(report, "publisherStats"), "nPublished"),
                    Received: PrintedReport.Count(receiver, "nReceived"),
                    Processed: PrintedReport.Count(processor, "nProcessed"),
                    Missed: PrintedReport.Count(processor, "nMissed"),
                    Rejected: PrintedReport.Count(receiver, "nRejected"),
                    Overruns: PrintedReport.Count(receiver, "nOverruns"),
                    Errors: PrintedReport.Count(processor, "nErrors"),
                    Reported: report is not null);
            }

            case StageType.Collector:
            {
                var report = PrintedReport.Last(output, "collectorStats");
                var collector = PrintedReport.Section(report, "collectorStats");
                var processor = PrintedReport.Section(report, "processorStats");
                return new FinalFigures(p.Label, p.Spec.Stage.Name, type, exit, p.Restarts,
                    Published: 0,
                    Received: PrintedReport.Count(collector, "nCollected"),
                    Processed: PrintedReport.Count(processor, "nProcessed"),
                    Missed: PrintedReport.Count(collector, "nMissed") + PrintedReport.Count(processor, "nMissed"),
                    Rejected: PrintedReport.Count(collector, "nRejected"),
                    Overruns: 0,
                    Errors: PrintedReport.Count(processor, "nErrors"),
                    Reported: report is not null);
            }

            default:
                return new FinalFigures(p.Label, p.Spec.Stage.Name, type, exit, p.Restarts, 0, 0, 0, 0, 0, 0, 0, Reported: true);
        }
    }

    /// <summary>The verdict lines and whether the run is good (nothing lost, nothing failed).</summary>
    public static (bool Good, IReadOnlyList<string> Lines) Judge(IReadOnlyList<StagePlan> plans, IReadOnlyList<StageProcess> processes, IReadOnlyList<FinalFigures> finals)
    {
        var lines = new List<string>();
        var good = true;
        foreach (var p in processes.Where(p => p.Failure is not null))
        {
            good = false;
            lines.Add($"FAILED: {p.Failure}");
        }

        foreach (var f in finals.Where(f => f.Restarts > 0))
        {
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{f.Label} was restarted {f.Restarts} time(s); frames sent while it was down are counted as missed by it or lost"));
        }

        foreach (var f in finals)
        {
            if (!f.Reported)
            {
                good = false;
                lines.Add($"{f.Label}: no final statistics (see its log)");
            }

            if (f.Missed + f.Rejected + f.Overruns + f.Errors > 0)
            {
                good = false;
                lines.Add(string.Create(CultureInfo.InvariantCulture,
                    $"LOST at {f.Label} ({f.Type}): {f.Missed} missed, {f.Rejected} rejected, {f.Overruns} overruns, {f.Errors} processor errors"));
            }
        }

        // Flow: a consumer group reading a simulated detector straight away processes every frame it published.
        var published = finals.Where(f => f.Type == "ad-sim-server").ToDictionary(f => f.Stage, f => f.Published);
        foreach (var plan in plans.Where(p => p.Stage.Type == StageType.Consumer && p.Stage.Option("distributor-set") is null))
        {
            var source = plans.FirstOrDefault(s => s.Stage.Type == StageType.AdSimServer && plan.Uses.Any(u => u.DataIn && s.Hosts.Contains(u.Name)));
            if (source is null || !published.TryGetValue(source.Stage.Name, out var sent) || sent == 0)
            {
                continue;
            }

            var group = finals.Where(f => f.Stage == plan.Stage.Name).ToList();
            var skip = int.TryParse(plan.Stage.Option("skip-initial-updates") ?? "1", NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? Math.Max(0, s) : 1;
            var distributed = plan.Stage.Options.Keys.Any(k => k.StartsWith("distributor-", StringComparison.Ordinal) && k != "distributor-plugin-name");
            var processed = distributed ? group.Sum(f => f.Processed) : group.Select(f => f.Processed).DefaultIfEmpty(0).Min();
            var tolerance = distributed ? skip * group.Count : skip;
            if (processed + tolerance < sent)
            {
                good = false;
                lines.Add(string.Create(CultureInfo.InvariantCulture,
                    $"LOST between {source.Stage.Name} and {plan.Stage.Name}: {sent} frames published, {processed} processed{(distributed ? " by the group" : " by the slowest consumer")}"));
            }
            else
            {
                lines.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{plan.Stage.Name}: {processed} of {sent} frames from {source.Stage.Name} processed{(distributed ? " (distributed)" : " by each consumer")}"));
            }
        }

        lines.Add(good ? "VERDICT: every frame accounted for, no stage failed" : "VERDICT: frames were lost or a stage failed (see above)");
        return (good, lines);
    }

    public static JsonObject Json(Workflow workflow, IReadOnlyList<FinalFigures> finals, bool good, IReadOnlyList<string> verdict) => new()
    {
        ["workflow"] = workflow.Name,
        ["file"] = Path.GetFullPath(workflow.FilePath),
        ["good"] = good,
        ["verdict"] = new JsonArray([.. verdict.Select(v => (JsonNode)v)]),
        ["processes"] = new JsonArray([.. finals.Select(f => (JsonNode)new JsonObject
        {
            ["label"] = f.Label, ["stage"] = f.Stage, ["type"] = f.Type, ["exitCode"] = f.ExitCode, ["restarts"] = f.Restarts,
            ["published"] = f.Published, ["received"] = f.Received, ["processed"] = f.Processed, ["missed"] = f.Missed,
            ["rejected"] = f.Rejected, ["overruns"] = f.Overruns, ["errors"] = f.Errors, ["reported"] = f.Reported,
        })]),
    };
}
