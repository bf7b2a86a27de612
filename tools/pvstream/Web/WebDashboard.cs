using System.Text.Json.Nodes;
using Pvstream.Workflows;

namespace Pvstream.Web;

/// <summary>
/// <c>pvstream run --web</c>: passes everything to the run's dashboard and keeps the runner's latest figures and
/// messages for the web page, with the stage graph (an edge wherever a stage reads frames from a channel another
/// serves) and the channels worth a thumbnail.
/// </summary>
internal sealed class WebDashboard(IWorkflowDashboard inner, Workflow workflow, IReadOnlyList<StagePlan> plans) : IWorkflowDashboard
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

    /// <summary>What the page shows, as JSON.</summary>
    public JsonObject State()
    {
        lock (_gate)
        {
            var stages = new JsonArray();
            foreach (var plan in plans)
            {
                var processes = new JsonArray();
                foreach (var p in _processes.Where(p => p.Spec.Stage == plan.Stage))
                {
                    processes.Add(new JsonObject
                    {
                        ["label"] = p.Label,
                        ["up"] = p.Live.Known,
                        ["received"] = p.Live.Received,
                        ["processed"] = p.Live.Processed,
                        ["rate"] = Math.Round(p.Live.Rate, 1),
                        ["missed"] = p.Live.Missed,
                        ["rejected"] = p.Live.Rejected,
                        ["overruns"] = p.Live.Overruns,
                        ["errors"] = p.Live.Errors,
                        ["queued"] = p.Live.Queued,
                        ["failure"] = p.Failure,
                    });
                }

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
                ["workflow"] = workflow.Name,
                ["elapsed"] = Math.Round(_elapsed, 1),
                ["finished"] = _finished,
                ["stages"] = stages,
                ["edges"] = edges,
                ["channels"] = new JsonArray(FrameChannels.Select(c => (JsonNode)JsonValue.Create(c)).ToArray()),
                ["messages"] = new JsonArray(_messages.Select(m => (JsonNode)JsonValue.Create(m)).ToArray()),
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
