using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Epics.Pva.Server;
using Epics.Streaming;
using Epics.Streaming.Collector;
using Epics.Streaming.Processors.Loading;
using Pvstream.Cli;
using Pvstream.Metrics;
using Pvstream.Streaming;
using Pvstream.Web;

namespace Pvstream.Commands;

/// <summary>
/// <c>pvstream collector</c>: the options of <c>pvapy-hpc-collector</c> (framework.md §1.2), short and long spellings
/// and argparse prefixes, the same defaults and channel-name expansion, plus <c>--collector-max-wait</c>. Gathers the
/// producers' objects in id order and runs the processor on them; reports every <c>--report-period</c> in the
/// reference's format, the final statistics at the end.
/// </summary>
internal static class CollectorCommand
{
    public static Command Create()
    {
        var d = new DataCollectorOptions();
        var collectorId = new Option<int>("--collector-id", "-id") { Description = "Collector id (used in channel names)", DefaultValueFactory = _ => 1 };
        var producerIds = new Option<string>("--producer-id-list", "-pid") { Description = "Producer ids: 1,2,3 or [1,2,3] or range(1,4)", DefaultValueFactory = _ => "1,2" };
        var inputChannel = new Option<string?>("--input-channel", "-ic") { Description = "Input channel template; * becomes each producer id (required)" };
        var outputChannel = new Option<string?>("--output-channel", "-oc") { Description = "Output channel; _ means pvapy:collector:<id>:output, * the id" };
        var statusChannel = new Option<string?>("--status-channel", "-sc") { Description = "Status channel; _ means pvapy:collector:<id>:status, * the id" };
        var controlChannel = new Option<string?>("--control-channel", "-cc") { Description = "Control channel; _ means pvapy:collector:<id>:control, * the id" };
        var idFormat = new Option<string?>("--id-format-spec", "-ifs") { Description = "Python format spec for producer and collector ids, e.g. 02d" };
        var serverQueue = new Option<int>("--server-queue-size", "-sqs") { Description = "Server queue size (record[queueSize=N]) when > 0", DefaultValueFactory = _ => 0 };
        var receiverQueue = new Option<int>("--receiver-queue-size", "-rqs") { Description = "< 0: no producer queues; 0: unlimited; > 0: at least 10 x cache size", DefaultValueFactory = _ => -1 };
        var cacheSize = new Option<int>("--collector-cache-size", "-ccs") { Description = "Sorting cache size; < 0: 10 x producers; at least the producer count", DefaultValueFactory = _ => d.CollectorCacheSize };
        var maxWait = new Option<double>("--collector-max-wait", "-cmw") { Description = "Seconds an object may wait in the cache before its run is released; <= 0: only when the cache is full or 5 s quiet (the reference)", DefaultValueFactory = _ => 0 };
        var processorFile = new Option<string[]>("--processor-file", "-pf") { Description = "Processor source (.cs; several files or a folder) or assembly (.dll)", AllowMultipleArgumentsPerToken = true };
        var processorClass = new Option<string?>("--processor-class", "-pc") { Description = "Processor class name, or a built-in (pvapy.hpc.adImageProcessor.AdImageProcessor...)" };
        var processorArgs = new Option<string?>("--processor-args", "-pa") { Description = "JSON object: the processor configuration" };
        var oidField = new Option<string>("--oid-field", "-of") { Description = "Object id field", DefaultValueFactory = _ => d.ObjectIdField };
        var oidOffset = new Option<long>("--oid-offset", "-oo") { Description = "Expected object id step (>= 1)", DefaultValueFactory = _ => d.ObjectIdOffset };
        var fieldRequest = new Option<string>("--field-request", "-fr") { Description = "Fields to request from the producers", DefaultValueFactory = _ => string.Empty };
        var skip = new Option<int>("--skip-initial-updates", "-siu") { Description = "Initial objects (after sorting) not processed", DefaultValueFactory = _ => d.SkipInitialUpdates };
        var metadata = new Option<string?>("--metadata-channels", "-mc") { Description = "Metadata channels: pva://name, ca://name or name (CA), comma-separated" };
        var runtime = new Option<double>("--runtime", "-rt") { Description = "Run time in seconds; <= 0 until stopped", DefaultValueFactory = _ => 0 };
        var reportPeriod = new Option<double>("--report-period", "-rp") { Description = "Seconds between reports; <= 0 none", DefaultValueFactory = _ => 0 };
        var reportStats = new Option<string>("--report-stats", "-rs") { Description = "Report sections: queue, metadata, processor, user, all (collector and producer stats always)", DefaultValueFactory = _ => "all" };
        var logFile = new Option<string?>("--log-file", "-lf") { Description = "Log file (not implemented yet)" };
        var disableCurses = new Option<bool>("--disable-curses", "-dc") { Description = "Plain report lines (the only kind so far)" };
        var allowUsers = new Option<string?>("--allow-users") { Description = "Only these users (comma-separated, as PVA's ca authentication names them) may put into the control record; default anyone" };
        var allowHosts = new Option<string?>("--allow-hosts") { Description = "Only these hosts (comma-separated host names or IP addresses) may put into the control record; default any" };
        var version = VersionFlag.Create();
        var metricsPort = MetricsEndpoint.CreateOption();
        var web = StageWebPage.CreateOption();
        var command = new Command("collector", "Stream collector: gathers the objects of several producers in id order and runs a processor on them (pvapy-hpc-collector)")
        {
            version, collectorId, producerIds, inputChannel, outputChannel, statusChannel, controlChannel, idFormat, serverQueue, receiverQueue,
            cacheSize, maxWait, processorFile, processorClass, processorArgs, oidField, oidOffset, fieldRequest, skip, metadata, runtime,
            reportPeriod, reportStats, logFile, disableCurses, metricsPort, web, allowUsers, allowHosts,
        };
        var logging = new LogLevelOption(command);
        CliRunner.SetAction(command, async (parse, ct) =>
        {
            if (VersionFlag.Handle(parse, version))
            {
                return ExitCodes.Success;
            }

            if (parse.GetValue(logFile) is not null)
            {
                throw new CliException("Error: --log-file is not implemented yet in pvstream collector", ExitCodes.BadInput);
            }

            var sections = parse.GetValue(reportStats)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (sections.FirstOrDefault(s => !CollectorReport.StatTypes.Contains(s)) is { } badSection)
            {
                throw new CliException($"Error: --report-stats: unknown section '{badSection}' (use {string.Join(", ", CollectorReport.StatTypes)})", ExitCodes.BadInput);
            }

            var input = parse.GetValue(inputChannel) ?? throw new CliException("Error: the input channel is required (-ic/--input-channel)", ExitCodes.BadInput);
            var id = parse.GetValue(collectorId);
            var spec = parse.GetValue(idFormat);
            var producers = ConsumerIdList.Resolve(parse.GetValue(producerIds), 1, 1, "--producer-id-list")
                .Select(pid => new CollectorProducer(pid, CollectorChannelNames.Producer(input, pid, spec)))
                .ToList();
            var options = new DataCollectorOptions
            {
                CollectorId = id,
                Producers = producers,
                InputChannel = input,
                OutputChannel = CollectorChannelNames.Resolve(parse.GetValue(outputChannel), "output", id, spec),
                StatusChannel = CollectorChannelNames.Resolve(parse.GetValue(statusChannel), "status", id, spec),
                ControlChannel = CollectorChannelNames.Resolve(parse.GetValue(controlChannel), "control", id, spec),
                ServerQueueSize = parse.GetValue(serverQueue),
                ReceiverQueueSize = parse.GetValue(receiverQueue),
                CollectorCacheSize = parse.GetValue(cacheSize),
                MaxWait = parse.GetValue(maxWait),
                ObjectIdField = parse.GetValue(oidField)!,
                ObjectIdOffset = parse.GetValue(oidOffset),
                FieldRequest = parse.GetValue(fieldRequest) ?? string.Empty,
                SkipInitialUpdates = parse.GetValue(skip),
                MetadataChannels = parse.GetValue(metadata),
                ReportPeriod = parse.GetValue(reportPeriod),
                Runtime = parse.GetValue(runtime),
                AllowedClients = ClientAccessList.Parse(parse.GetValue(allowUsers), parse.GetValue(allowHosts)),
            };
            var args = ParseProcessorArgs(parse.GetValue(processorArgs));
            using var loggerFactory = logging.CreateFactory(parse);
            try
            {
                var factory = ProcessorLoader.Resolve(parse.GetValue(processorFile) ?? [], parse.GetValue(processorClass));
                await using var collector = new DataCollector(options, factory, args, EpicsEnvironment.ServerOptions(loggerFactory),
                    EpicsEnvironment.ClientOptions(loggerFactory), loggerFactory, EpicsEnvironment.CaClientOptions());
                using var metrics = MetricsEndpoint.Start(parse.GetValue(metricsPort), () => [StageSamples.Collector("collector", collector.GetStatistics())]);
                await using var page = StageWebPage.Serve(parse.GetValue(web), options, collector.GetStatistics);
                collector.Reported += (_, stats) => Print(CollectorReport.Format(stats, sections));
                Print(CollectorReport.Format(await collector.RunAsync(ct), sections));
                return ExitCodes.Success;
            }
            catch (ProcessorLoadException e)
            {
                await Console.Out.FlushAsync(CancellationToken.None);
                await Console.Error.WriteLineAsync(e.CompilerMessages.Count > 0 ? e.Message : $"Error: {CliRunner.OneLine(e.Message)}");
                return ExitCodes.BadInput;
            }
            catch (StreamingConfigurationException e)
            {
                throw new CliException($"Error: {e.Message}", ExitCodes.BadInput);
            }
        });
        return OptionAbbreviations.Enable(command);
    }

    private static readonly Lock PrintLock = new();

    private static void Print(string report)
    {
        lock (PrintLock)
        {
            Console.Out.WriteLine(report);
            Console.Out.Flush();
        }
    }

    private static JsonObject? ParseProcessorArgs(string? text)
    {
        if (text is null)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(text) as JsonObject
                ?? throw new CliException($"Error: --processor-args must be a JSON object, not {text}", ExitCodes.BadInput);
        }
        catch (JsonException e)
        {
            throw new CliException(string.Create(CultureInfo.InvariantCulture, $"Error: --processor-args is not valid JSON: {e.Message}"), ExitCodes.BadInput);
        }
    }
}
