using Pvstream.Workflows;

namespace Pvstream.Metrics;

/// <summary>
/// <c>pvstream run --metrics-port</c>: passes everything to the run's dashboard and keeps the runner's latest figures of
/// every process for the scrapes, so metrics cost the stages nothing beyond the status reads the runner makes anyway.
/// </summary>
internal sealed class MetricsDashboard(IWorkflowDashboard inner) : IWorkflowDashboard
{
    private volatile StageSample[] _latest = [];

    public IEnumerable<StageSample> Samples() => _latest;

    public void Message(string text) => inner.Message(text);

    public void Update(IReadOnlyList<StageProcess> processes, TimeSpan elapsed)
    {
        _latest = processes.Select(p => StageSamples.Live(p.Spec, p.Live)).ToArray();
        inner.Update(processes, elapsed);
    }

    public void Final(IReadOnlyList<FinalFigures> finals, IReadOnlyList<string> verdict, string runFolder) => inner.Final(finals, verdict, runFolder);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
