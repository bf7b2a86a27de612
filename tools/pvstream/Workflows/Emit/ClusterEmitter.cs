using System.Globalization;
using System.Text;

namespace Pvstream.Workflows.Emit;

/// <summary>
/// <c>pvstream run --emit slurm|kubernetes</c>: the workflow as a SLURM batch script (one <c>srun</c> step per process,
/// downstream first, placed on the stage's <c>host</c>) or Kubernetes manifests (a Job for a simulated detector, a
/// Deployment for every other process, a headless Service per stage, and EPICS_PVA_NAME_SERVERS naming those Services
/// so clients find channels over TCP without UDP broadcast). docs/multi-host.md explains the network side.
/// </summary>
internal static class ClusterEmitter
{
    public const int PvaPort = 5075;

    public static string Slurm(Workflow workflow, IReadOnlyList<StagePlan> startOrder)
    {
        var processes = startOrder.SelectMany(p => p.Processes).ToList();
        var hosts = startOrder.Select(p => p.Stage.Host).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        var text = new StringBuilder();
        text.AppendLine("#!/bin/bash");
        text.AppendLine(Inv($"#SBATCH --job-name={workflow.Name}"));
        text.AppendLine(Inv($"#SBATCH --ntasks={processes.Count}"));
        if (hosts.Count > 0)
        {
            text.AppendLine(Inv($"#SBATCH --nodelist={string.Join(',', hosts)}"));
        }

        text.AppendLine("#SBATCH --output=%x-%j.out");
        text.AppendLine("# Made by: pvstream run --emit slurm; the stages start downstream first, the source last.");
        text.AppendLine("set -u");
        text.AppendLine("# Search every node of the job by unicast (no broadcast across nodes).");
        text.AppendLine("export EPICS_PVA_AUTO_ADDR_LIST=NO");
        text.AppendLine("export EPICS_PVA_ADDR_LIST=\"$(scontrol show hostnames \"$SLURM_JOB_NODELIST\" | tr '\\n' ' ')\"");
        text.AppendLine("PVSTREAM=${PVSTREAM:-pvstream}");
        foreach (var spec in processes)
        {
            var placement = spec.Stage.Host is { } host ? $" --nodelist={host}" : string.Empty;
            text.AppendLine(Inv($"srun --ntasks=1 --nodes=1{placement} --exclusive --job-name={spec.Label} \"$PVSTREAM\" {Quote(spec.Arguments)} > {spec.Label}.log 2>&1 &"));
            text.AppendLine("sleep 2");
        }

        text.AppendLine("wait");
        return text.ToString();
    }

    public static string Kubernetes(Workflow workflow, IReadOnlyList<StagePlan> startOrder, string image = "pvstream:latest")
    {
        var nameServers = string.Join(' ', startOrder.Select(p => Inv($"{ObjectName(workflow, p.Stage.Name)}:{PvaPort}")));
        var documents = new List<string>();
        foreach (var plan in startOrder)
        {
            var service = ObjectName(workflow, plan.Stage.Name);
            documents.Add($"""
                apiVersion: v1
                kind: Service
                metadata:
                  name: {service}
                  labels: {Labels(workflow, plan.Stage.Name)}
                spec:
                  clusterIP: None
                  selector: {Labels(workflow, plan.Stage.Name)}
                  ports:
                    - name: pva
                      port: {PvaPort}
                      protocol: TCP
                """);
            foreach (var spec in plan.Processes)
            {
                var job = plan.Stage.Type == StageType.AdSimServer;
                var name = ObjectName(workflow, spec.Label);
                var args = string.Join(", ", spec.Arguments.Select(Json));
                var placement = plan.Stage.Host is { } host ? $"\n    nodeSelector:\n      kubernetes.io/hostname: {Json(host)}" : string.Empty;
                var pod = $"""
                      metadata:
                        labels: {Labels(workflow, plan.Stage.Name)}
                      spec:
                        restartPolicy: {(job ? "Never" : "Always")}{placement}
                        containers:
                          - name: {plan.Stage.Command}
                            image: {image}
                            command: ["pvstream"]
                            args: [{args}]
                            ports:
                              - containerPort: {PvaPort}
                                protocol: TCP
                            env:
                              - {"{"} name: EPICS_PVAS_SERVER_PORT, value: "{PvaPort}" {"}"}
                              - {"{"} name: EPICS_PVA_NAME_SERVERS, value: {Json(nameServers)} {"}"}
                              - {"{"} name: EPICS_PVA_AUTO_ADDR_LIST, value: "NO" {"}"}
                              - {"{"} name: EPICS_PVA_ADDR_LIST, value: "" {"}"}
                    """;
                pod = string.Join('\n', pod.Split('\n').Select(line => "  " + line));
                documents.Add(job
                    ? $"apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {name}\nspec:\n  backoffLimit: 0\n  template:\n{pod}"
                    : $"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {Labels(workflow, plan.Stage.Name)}\n  template:\n{pod}");
            }
        }

        return $"# Made by: pvstream run --emit kubernetes ({workflow.Name})\n" + string.Join("---\n", documents.Select(d => d.TrimEnd() + "\n"));
    }

    /// <summary>A DNS-1123 name: lower case letters, digits and dashes.</summary>
    public static string ObjectName(Workflow workflow, string part)
    {
        var raw = $"{workflow.Name}-{part}".ToLowerInvariant();
        var name = new string(raw.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');
        return name.Length > 63 ? name[..63].TrimEnd('-') : name;
    }

    private static string Labels(Workflow workflow, string stage) =>
        $"{{ app.kubernetes.io/name: pvstream, pvstream/workflow: {Json(ObjectName(workflow, "w"))}, pvstream/stage: {Json(ObjectName(workflow, stage))} }}";

    private static string Json(string text) => System.Text.Json.JsonSerializer.Serialize(text);

    private static string Quote(IEnumerable<string> arguments) =>
        string.Join(' ', arguments.Select(a => a.Length > 0 && a.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=,".Contains(c)) ? a : "'" + a.Replace("'", "'\\''", StringComparison.Ordinal) + "'"));

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
