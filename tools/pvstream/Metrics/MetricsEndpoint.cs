using System.CommandLine;
using Prometheus;

namespace Pvstream.Metrics;

/// <summary>
/// <c>--metrics-port N</c>: <c>/metrics</c> in the Prometheus text format on port N of every interface, with the
/// figures of the process's stages (read from their statistics at each scrape, so nothing is counted twice and
/// nothing runs between scrapes) and the process's own CPU, memory, threads and GC figures.
/// </summary>
internal sealed class MetricsEndpoint : IDisposable
{
    private readonly MetricServer _server;

    private MetricsEndpoint(int port, Func<IEnumerable<StageSample>> sample)
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        DotNetStats.Register(registry);
        var stageMetrics = new StageMetrics(Prometheus.Metrics.WithCustomRegistry(registry));
        registry.AddBeforeCollectCallback(() => stageMetrics.Update(sample()));
        _server = new MetricServer(hostname: "+", port: port, url: "metrics/", registry: registry);
        _server.Start();
    }

    /// <summary>The option every long-running command takes.</summary>
    public static Option<int?> CreateOption() => new("--metrics-port")
    {
        Description = "Serve Prometheus metrics (the status channel's counters, process figures) on http://host:PORT/metrics",
    };

    /// <summary>Starts the endpoint when the option is given; null otherwise.</summary>
    public static MetricsEndpoint? Start(int? port, Func<IEnumerable<StageSample>> sample)
    {
        if (port is null)
        {
            return null;
        }

        if (port is < 1 or > 65535)
        {
            throw new Cli.CliException($"Error: --metrics-port {port} is not a port number (1-65535)", Cli.ExitCodes.BadInput);
        }

        try
        {
            return new MetricsEndpoint(port.Value, sample);
        }
        catch (System.Net.HttpListenerException e)
        {
            throw new Cli.CliException($"Error: --metrics-port {port}: {e.Message}", Cli.ExitCodes.BadInput);
        }
    }

    public void Dispose() => _server.Dispose();
}
