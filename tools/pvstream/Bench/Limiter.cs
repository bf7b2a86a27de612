using System.Globalization;

namespace Pvstream.Bench;

/// <summary>
/// Names what stopped a cell from going faster, from the first failing trial above the best rate: the source that
/// could not keep its pace, the machine's cores all busy, or the consumer that lost frames, with the cores each used.
/// </summary>
internal static class Limiter
{
    public static string Describe(TrialResult failure, int? cores = null)
    {
        var available = cores ?? Environment.ProcessorCount;
        var busiest = failure.Processes.OrderByDescending(p => p.Cores).FirstOrDefault();
        var total = failure.Processes.Sum(p => p.Cores);
        var usage = busiest is null ? ""
            : string.Create(CultureInfo.InvariantCulture, $"; busiest {busiest.Name} {busiest.Cores:0.00} cores, all {total:0.00} of {available}");
        var cause = total >= 0.9 * available ? $"CPU: all {available} cores busy"
            : failure.Source is { } s && s.Cores >= 0.9 ? $"CPU: {s.Name} saturated a core"
            : busiest is not null && busiest.Cores >= 0.9 ? $"CPU: {busiest.Name} saturated a core"
            : "latency or scheduling (no process used a whole core)";
        return $"{cause} ({failure.Failure}){usage}";
    }
}
