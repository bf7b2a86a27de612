using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Epics.Streaming.Collector;
using Epics.Streaming.Consumer;
using Microsoft.Extensions.Logging.Abstractions;
using Pvstream.Cli;
using Pvstream.Metrics;

namespace Pvstream.Web;

/// <summary>
/// <c>pvstream consumer --web PORT</c> and <c>pvstream collector --web PORT</c>: the run's page for one stage, its
/// figures read from the stage's statistics at each poll (as a metrics scrape reads them, so nothing runs between
/// polls) and thumbnails of its input and output channels.
/// </summary>
internal sealed class StageWebPage : IWebPageState
{
    private readonly Stopwatch _running = Stopwatch.StartNew();
    private readonly string _title;
    private readonly string _name;
    private readonly string _type;
    private readonly Func<StageSample> _sample;
    private readonly IReadOnlyList<string> _channels;

    private StageWebPage(string type, int id, Func<StageSample> sample, IEnumerable<string?> channels)
    {
        _type = type;
        _name = string.Create(CultureInfo.InvariantCulture, $"{type}-{id}");
        _title = string.Create(CultureInfo.InvariantCulture, $"pvstream {type} {id}");
        _sample = sample;
        _channels = channels.OfType<string>().Where(c => c.Length > 0).Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>The option of <c>consumer</c> and <c>collector</c>.</summary>
    public static Option<int?> CreateOption() => new("--web")
    {
        Description = "Serve a live web page (the stage's rates, queue and losses; thumbnails of its input and output) on http://host:PORT/",
    };

    /// <summary>Serves a consumer's page when the option is given; null otherwise.</summary>
    public static WebServer? Serve(int? port, DataConsumerOptions options, Func<ConsumerStatistics> statistics) =>
        Serve(port, new StageWebPage("consumer", options.ConsumerId, () => StageSamples.Consumer("consumer", statistics()), [options.InputChannel, options.OutputChannel]));

    /// <summary>Serves a collector's page when the option is given; null otherwise.</summary>
    public static WebServer? Serve(int? port, DataCollectorOptions options, Func<CollectorStatistics> statistics) =>
        Serve(port, new StageWebPage("collector", options.CollectorId, () => StageSamples.Collector("collector", statistics()),
            [.. options.Producers.Select(p => p.Channel), options.OutputChannel]));

    public JsonObject State() => new()
    {
        ["title"] = _title,
        ["elapsed"] = Math.Round(_running.Elapsed.TotalSeconds, 1),
        ["finished"] = false,
        ["stages"] = new JsonArray(new JsonObject
        {
            ["name"] = _name,
            ["type"] = _type,
            ["processes"] = new JsonArray(WebPageJson.Process(_name, _sample(), null)),
        }),
        ["edges"] = new JsonArray(),
        ["channels"] = WebPageJson.Strings(_channels),
        ["messages"] = new JsonArray(),
    };

    private static WebServer? Serve(int? port, StageWebPage page) =>
        port is { } p ? WebServer.Start(p, page, EpicsEnvironment.ClientOptions(NullLoggerFactory.Instance)) : null;
}
