using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Epics.Streaming;
using Pvstream.Cli;
using Pvstream.Metrics;

namespace Pvstream.Commands;

/// <summary>
/// <c>pvstream mirror-server</c>: re-serves PVA/CA channels (pvapy-mirror-server, framework.md §1.3 and §10); like the
/// Python tool it takes unique prefixes of its options (<see cref="OptionAbbreviations"/>). It prints the reference's
/// lines, plus one line whenever a source is not found, drops or comes back.
/// </summary>
internal static class MirrorServerCommand
{
    public static Command Create()
    {
        var channelMap = new Option<string?>("--channel-map", "-cm")
        {
            Description = "(mirror,source[,provider[,queueSize[,nSourceMonitors,request]]]),... e.g. \"(pvapy:image,ad:image,pva,1000)\"",
        };
        var runtime = new Option<double>("--runtime", "-rt") { Description = "Seconds to run; <= 0 runs forever" };
        var reportPeriod = new Option<double>("--report-period", "-rp") { Description = "Seconds between per-channel counter reports; <= 0 none" };
        var metricsPort = MetricsEndpoint.CreateOption();
        var version = VersionFlag.Create();
        var command = new Command("mirror-server", "Mirror PVA or CA channels on a local PVA server (pvapy-mirror-server)")
        {
            version, channelMap, runtime, reportPeriod, metricsPort,
        };
        var access = new AccessListOptions(command, "the mirror records");
        var logging = new LogLevelOption(command);
        CliRunner.SetAction(command, async (parse, ct) =>
        {
            if (VersionFlag.Handle(parse, version))
            {
                return ExitCodes.Success;
            }

            var options = new MirrorServerOptions
            {
                ChannelMap = parse.GetValue(channelMap),
                Runtime = parse.GetValue(runtime),
                ReportPeriod = parse.GetValue(reportPeriod),
                AllowedClients = access.Parse(parse),
            };
            using var loggerFactory = logging.CreateFactory(parse);
            MirrorServer mirror;
            try
            {
                mirror = new MirrorServer(options, EpicsEnvironment.ServerOptions(loggerFactory), EpicsEnvironment.ClientOptions(loggerFactory),
                    EpicsEnvironment.CaClientOptions(), loggerFactory.CreateLogger("mirror-server"));
            }
            catch (StreamingConfigurationException e)
            {
                throw new CliException($"Error: {e.Message}", ExitCodes.BadInput);
            }

            await using (mirror)
            {
                using var metrics = MetricsEndpoint.Start(parse.GetValue(metricsPort), () => StageSamples.Mirror("mirror-server", mirror));
                await RunAsync(mirror, options, ct);
            }

            return ExitCodes.Success;
        });
        return OptionAbbreviations.Enable(command);
    }

    private static async Task RunAsync(MirrorServer mirror, MirrorServerOptions options, CancellationToken ct)
    {
        var output = Console.Out;
        var gate = new Lock();
        void WriteLine(string line)
        {
            lock (gate)
            {
                output.WriteLine(line);
                output.Flush();
            }
        }

        var troubled = new HashSet<string>(StringComparer.Ordinal);
        mirror.SourceChanged += (_, e) =>
        {
            lock (troubled)
            {
                var line = SourceLine(e, troubled.Contains(e.MirrorName));
                if (e.State == MirrorSourceState.Connected)
                {
                    troubled.Remove(e.MirrorName);
                }
                else
                {
                    troubled.Add(e.MirrorName);
                }

                if (line is not null)
                {
                    WriteLine(line);
                }
            }
        };
        foreach (var spec in mirror.Channels)
        {
            WriteLine($"Adding mirror channel {spec.MirrorName} using source {spec.SourceName} (provider type: {spec.Provider.ToString().ToLowerInvariant()}; queue size: {spec.QueueSize}; number of monitors: {spec.MonitorCount}; request descriptor: {spec.Request})");
        }

        await mirror.StartAsync(ct);
        WriteLine(Inv($"Started mirror server @ {Epoch():F3}"));
        var start = Stopwatch.GetTimestamp();
        var lastReport = start;
        try
        {
            while (true)
            {
                await Task.Delay(TimeSpan.FromSeconds(options.Runtime > 0 ? Math.Min(1, options.Runtime) : 1), ct);
                if (options.Runtime > 0 && Stopwatch.GetElapsedTime(start).TotalSeconds >= options.Runtime)
                {
                    break;
                }

                if (options.ReportPeriod > 0 && Stopwatch.GetElapsedTime(lastReport).TotalSeconds >= options.ReportPeriod)
                {
                    lastReport = Stopwatch.GetTimestamp();
                    WriteLine(string.Empty);
                    foreach (var c in mirror.Channels)
                    {
                        WriteLine(Inv($"Channel {c.MirrorName} @ {Epoch():F3}: {mirror.GetCounters(c.MirrorName)}"));
                    }
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            WriteLine("Keyboard interrupt received, exiting.");
        }

        await mirror.StopAsync();
        WriteLine("Final Channel Statistics:");
        foreach (var c in mirror.Channels)
        {
            WriteLine($"Channel {c.MirrorName}: {mirror.GetCounters(c.MirrorName)}");
        }
    }

    /// <summary>The line for a source's change of state; a first connection is not news (the reference prints none).</summary>
    internal static string? SourceLine(MirrorSourceEvent e, bool wasTroubled) => e.State switch
    {
        MirrorSourceState.Connected => wasTroubled ? $"Source '{e.SourceName}' of mirror channel {e.MirrorName} connected: serving {e.MirrorName}" : null,
        MirrorSourceState.NotFound => $"Source '{e.SourceName}' of mirror channel {e.MirrorName} not found yet; still looking",
        MirrorSourceState.Disconnected => $"Source '{e.SourceName}' of mirror channel {e.MirrorName} disconnected: {e.MirrorName} has no value until it returns",
        _ => $"Source '{e.SourceName}' of mirror channel {e.MirrorName} failed: {e.Detail}",
    };

    private static double Epoch() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
