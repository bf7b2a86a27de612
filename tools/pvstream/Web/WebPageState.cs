using System.Text.Json.Nodes;
using Pvstream.Metrics;

namespace Pvstream.Web;

/// <summary>
/// What the web page shows, asked for a few times a second by <see cref="WebServer"/>: a JSON object with
/// <c>title</c>, <c>elapsed</c> (s), <c>finished</c>, <c>stages</c> (name, type, processes with their figures),
/// <c>edges</c> (from, to, channel), <c>channels</c> (worth a thumbnail) and <c>messages</c>. A whole run
/// (<see cref="WebDashboard"/>) and a single consumer or collector (<see cref="StageWebPage"/>) give the same shape.
/// </summary>
internal interface IWebPageState
{
    JsonObject State();
}

/// <summary>The parts of the page's JSON both kinds of page make alike.</summary>
internal static class WebPageJson
{
    /// <summary>One process's figures, as its status channel (or metrics) show them; missing figures are left out.</summary>
    public static JsonObject Process(string label, StageSample sample, string? failure) => new()
    {
        ["label"] = label,
        ["up"] = sample.Up,
        ["received"] = sample.Received,
        ["processed"] = sample.Processed,
        ["rate"] = sample.ProcessedRate is { } rate ? Math.Round(rate, 1) : null,
        ["missed"] = sample.Missed,
        ["rejected"] = sample.Rejected,
        ["overruns"] = sample.Overruns,
        ["errors"] = sample.Errors,
        ["queued"] = sample.Queued,
        ["failure"] = failure,
    };

    public static JsonArray Strings(IEnumerable<string> texts) => new([.. texts.Select(t => (JsonNode)JsonValue.Create(t))]);
}
