using System.Text.Json.Nodes;
using Pvstream.Metrics;
using Pvstream.Workflows;

namespace Pvstream.Web;

/// <summary>
/// <c>pvstream run --web</c>: passes everything to the run's dashboard and keeps the runner's latest figures and
/// messages for the web page, with the stage graph (an edge wherever a stage reads frames from a channel another
/// serves) and the channels worth a thumbnail.
/// </summary>
internal sealed class WebDashboard(IWorkflowDashboard inner, Workflow workflow, IReadOnlyList<StagePlan> plans) : IWorkflowDashboard, IWebPageState
{
    private const int KeptMessages = 20;
    private readonly Lock _gate = new();
    private readonly Queue<string> _messages = new();
    private IReadOnlyList<StageProcess> _processes = [];
    private double _elapsed;
    private bool _finished;

    /// <summary>Frame channels: those some stage reads frames from, and the simulated detectors' image channels.</summary>
    public IReadOnlyList<string> FrameChannels { get; } = plans.SelectMany(p => p.Uses.Where(u => u.DataIn).Select(u => u.Name))
        .Concat(plans.Where(p => p.Stage.Type == StageType.AdSimServer).SelectMany(p => p.Processes).Select(s => s.ReadyChannel).OfType<string>())
        .Distinct(StringComparer.Ordinal).ToList();

    public JsonObject State()
    {
        lock (_gate)
        {
            var stages = new JsonArray();
            foreach (var plan in plans)
            {
                var processes = new JsonArray([.. _processes.Where(p => p.Spec.Stage == plan.Stage)
                    .Select(p => (JsonNode)WebPageJson.Process(p.Label, StageSamples.Live(p.Spec, p.Live), p.Failure))]);
                stages.Add(new JsonObject { ["name"] = plan.Stage.Name, ["type"] = plan.Stage.Command, ["processes"] = processes });
            }

            var edges = new JsonArray();
            foreach (var to in plans)
            {
                foreach (var use in to.Uses.Where(u => u.DataIn))
                {
                    foreach (var from in plans.Where(p => p != to && p.Hosts.Contains(use.Name)))
                    {
                        edges.Add(new JsonObject { ["from"] = from.Stage.Name, ["to"] = to.Stage.Name, ["channel"] = use.Name });
                    }
                }
            }

            return new JsonObject
            {
                ["title"] = $"pvstream run: {workflow.Name}",
                ["elapsed"] = Math.Round(_elapsed, 1),
                ["finished"] = _finished,
                ["stages"] = stages,
                ["edges"] = edges,
                ["channels"] = WebPageJson.Strings(FrameChannels),
                ["messages"] = WebPageJson.Strings(_messages),
            };
        }
    }

    public void Message(string text)
    {
        lock (_gate)
        {
            _messages.Enqueue(text);
            while (_messages.Count > KeptMessages)
            {
                _messages.Dequeue();
            }
        }

        inner.Message(text);
    }

    public void Update(IReadOnlyList<StageProcess> processes, TimeSpan elapsed)
    {
        lock (_gate)
        {
            _processes = processes.ToList();
            _elapsed = elapsed.TotalSeconds;
        }

        inner.Update(processes, elapsed);
    }

    public void Final(IReadOnlyList<FinalFigures> finals, IReadOnlyList<string> verdict, string runFolder)
    {
        lock (_gate)
        {
            _finished = true;
        }

        inner.Final(finals, verdict, runFolder);
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
