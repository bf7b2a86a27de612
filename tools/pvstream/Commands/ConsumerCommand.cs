using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Epics.Pva.Server;
using Epics.Streaming;
using Epics.Streaming.Consumer;
using Epics.Streaming.Processors.Loading;
using Pvstream.Cli;
using Pvstream.Metrics;
using Pvstream.Streaming;
using Pvstream.Web;

namespace Pvstream.Commands;

/// <summary>
/// <c>pvstream consumer</c>: the options of <c>pvapy-hpc-consumer</c> (framework.md §1.1), short and long spellings and
/// argparse prefixes, the same defaults and channel-name expansion. One consumer in this process (or one process per
/// consumer with <c>-nc</c>); reports every <c>--report-period</c> in the reference's format, or as a live table on a
/// terminal; the final statistics at the end.
/// </summary>
internal static class ConsumerCommand
{
    public static Command Create()
    {
        var d = new DataConsumerOptions();
        var consumerId = new Option<int>("--consumer-id", "-id") { Description = "Consumer id (used in channel names)", DefaultValueFactory = _ => 1 };
        var nConsumers = new Option<int>("--n-consumers", "-nc") { Description = "Number of consumers; > 1: one process each", DefaultValueFactory = _ => 1 };
        var idList = new Option<string?>("--consumer-id-list", "-cid") { Description = "Consumer ids: 1,3,5 or [1,3,5] or range(1,4); overrides -id and -nc" };
        var inputChannel = new Option<string?>("--input-channel", "-ic") { Description = "Input channel; * becomes the consumer id (required)" };
        var inputMode = new Option<string>("--input-mode", "-im") { Description = "Input mode: pva (monitor), pvas (host the input record; clients put into it), rpc (host an RPC service; clients call it with objects), ca (CA monitor)", DefaultValueFactory = _ => "pva" };
        var inputArgs = new Option<string?>("--input-args", "-ia") { Description = "JSON input arguments (ejfat only)" };
        var outputChannel = new Option<string?>("--output-channel", "-oc") { Description = "Output channel; _ means pvapy:consumer:<id>:output, * the id" };
        var outputMode = new Option<string>("--output-mode", "-om") { Description = "Output mode: pvas (host the output record), pva (put into a remote record), rpc (call a remote RPC service)", DefaultValueFactory = _ => "pvas" };
        var outputArgs = new Option<string?>("--output-args", "-oa") { Description = "JSON output arguments (ejfat only)" };
        var statusChannel = new Option<string?>("--status-channel", "-sc") { Description = "Status channel; _ means pvapy:consumer:<id>:status, * the id" };
        var controlChannel = new Option<string?>("--control-channel", "-cc") { Description = "Control channel; _ means pvapy:consumer:<id>:control, * the id" };
        var idFormat = new Option<string?>("--id-format-spec", "-ifs") { Description = "Python format spec for the id in channel names, e.g. 02d" };
        var serverQueue = new Option<int>("--server-queue-size", "-sqs") { Description = "Server queue size (record[queueSize=N]) when > 0", DefaultValueFactory = _ => 0 };
        var receiverQueue = new Option<int>("--receiver-queue-size", "-rqs") { Description = "< 0: process in the monitor; >= 0: receiver queue of this size (0 unlimited)", DefaultValueFactory = _ => -1 };
        var accumulate = new Option<int>("--accumulate-objects", "-ao") { Description = "With a receiver queue: objects to accumulate before processing", DefaultValueFactory = _ => -1 };
        var accumulationTimeout = new Option<double>("--accumulation-timeout", "-at") { Description = "Seconds after the last put when accumulated objects are processed", DefaultValueFactory = _ => 1.0 };
        var processorFile = new Option<string[]>("--processor-file", "-pf") { Description = "Processor source (.cs; several files or a folder) or assembly (.dll)", AllowMultipleArgumentsPerToken = true };
        var processorClass = new Option<string?>("--processor-class", "-pc") { Description = "Processor class name, or a built-in (pvapy.hpc.adImageProcessor.AdImageProcessor...)" };
        var processorReload = new Option<bool>("--processor-reload") { Description = "Watch the processor files; a change that compiles replaces the running processor between two objects" };
        var processorArgs = new Option<string?>("--processor-args", "-pa") { Description = "JSON object: the processor configuration" };
        var oidField = new Option<string>("--oid-field", "-of") { Description = "Object id field", DefaultValueFactory = _ => d.ObjectIdField };
        var oidOffset = new Option<long>("--oid-offset", "-oo") { Description = "Expected object id step; <= 0: computed", DefaultValueFactory = _ => 0 };
        var fieldRequest = new Option<string>("--field-request", "-fr") { Description = "Fields to request (ignored with distributor options)", DefaultValueFactory = _ => string.Empty };
        var skip = new Option<int>("--skip-initial-updates", "-siu") { Description = "Initial updates received but not processed", DefaultValueFactory = _ => d.SkipInitialUpdates };
        var pluginName = new Option<string>("--distributor-plugin-name", "-dpn") { Description = "Distributor plugin name (distributor for pvDatabaseCPP)", DefaultValueFactory = _ => d.DistributorPluginName };
        var group = new Option<string?>("--distributor-group", "-dg") { Description = "Distributor group" };
        var set = new Option<string?>("--distributor-set", "-ds") { Description = "Distributor set" };
        var trigger = new Option<string?>("--distributor-trigger", "-dt") { Description = "Distributor trigger field" };
        var updates = new Option<string?>("--distributor-updates", "-du") { Description = "Consecutive updates per client or set" };
        var nSets = new Option<int>("--n-distributor-sets", "-nds") { Description = "Distributor sets across consumer commands (for the id offset)", DefaultValueFactory = _ => 1 };
        var metadata = new Option<string?>("--metadata-channels", "-mc") { Description = "Metadata channels: pva://name, ca://name or name (CA), comma-separated" };
        var runtime = new Option<double>("--runtime", "-rt") { Description = "Run time in seconds; <= 0 until stopped", DefaultValueFactory = _ => 0 };
        var reportPeriod = new Option<double>("--report-period", "-rp") { Description = "Seconds between reports; <= 0 none", DefaultValueFactory = _ => 0 };
        var reportStats = new Option<string>("--report-stats", "-rs") { Description = "Report sections: receiver, publisher, queue, metadata, processor, user, all", DefaultValueFactory = _ => "all" };
        var logFile = new Option<string?>("--log-file", "-lf") { Description = "Log file (as well as stderr), rotated daily" };
        var disableCurses = new Option<bool>("--disable-curses", "-dc") { Description = "Plain report lines instead of the full-screen table" };
        var metricsPort = MetricsEndpoint.CreateOption();
        var web = StageWebPage.CreateOption();
        var allowUsers = new Option<string?>("--allow-users") { Description = "Only these users (comma-separated, as PVA's ca authentication names them) may put into the control record and the pvas input record; default anyone" };
        var allowHosts = new Option<string?>("--allow-hosts") { Description = "Only these hosts (comma-separated host names or IP addresses) may put into the control record and the pvas input record; default any" };
        var processorTimeout = new Option<double>("--processor-timeout") { Description = "Seconds a processor call may run before it counts as a hang (logged, counted, shown in the status); 0 off", DefaultValueFactory = _ => d.ProcessorTimeout.TotalSeconds };
        var version = VersionFlag.Create();
        var command = new Command("consumer", "Stream consumer: runs a processor on every object of a channel (pvapy-hpc-consumer)")
        {
            version, consumerId, nConsumers, idList, inputChannel, inputMode, inputArgs, outputChannel, outputMode, outputArgs, statusChannel,
            controlChannel, idFormat, serverQueue, receiverQueue, accumulate, accumulationTimeout, processorFile, processorClass, processorReload, processorArgs,
            oidField, oidOffset, fieldRequest, skip, pluginName, group, set, trigger, updates, nSets, metadata, runtime, reportPeriod, reportStats,
            logFile, disableCurses, metricsPort, web, allowUsers, allowHosts, processorTimeout,
        };
        var logging = new LogLevelOption(command);
        CliRunner.SetAction(command, async (parse, ct) =>
        {
            if (VersionFlag.Handle(parse, version))
            {
                return ExitCodes.Success;
            }

            var mode = parse.GetValue(inputMode)!.ToLowerInvariant() switch
            {
                "pva" or "0" => ConsumerInputMode.Pva,
                "pvas" or "1" => ConsumerInputMode.Pvas,
                "rpc" or "2" => ConsumerInputMode.Rpc,
                "ca" or "3" => ConsumerInputMode.Ca,
                "ejfat" or "4" => throw new CliException("Error: --input-mode ejfat is not supported by pvstream consumer", ExitCodes.BadInput),
                var other => throw new CliException($"Error: invalid --input-mode {other} (use pva, pvas, rpc or ca)", ExitCodes.BadInput),
            };
            var output = parse.GetValue(outputMode)!.ToLowerInvariant() switch
            {
                "pvas" => ConsumerOutputMode.Pvas,
                "pva" => ConsumerOutputMode.Pva,
                "rpc" => ConsumerOutputMode.Rpc,
                "ejfat" => throw new CliException("Error: --output-mode ejfat is not supported by pvstream consumer", ExitCodes.BadInput),
                var other => throw new CliException($"Error: invalid --output-mode {other} (use pvas, pva or rpc)", ExitCodes.BadInput),
            };
            var sections = parse.GetValue(reportStats)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (sections.FirstOrDefault(s => !ConsumerReport.StatTypes.Contains(s)) is { } badSection)
            {
                throw new CliException($"Error: --report-stats: unknown section '{badSection}' (use {string.Join(", ", ConsumerReport.StatTypes)})", ExitCodes.BadInput);
            }

            var childId = Environment.GetEnvironmentVariable(ConsumerProcessGroup.ChildIdVariable);
            var ids = childId is null
                ? ConsumerIdList.Resolve(parse.GetValue(idList), parse.GetValue(consumerId), parse.GetValue(nConsumers))
                : [int.Parse(childId, CultureInfo.InvariantCulture)];
            if (ids.Count > 1)
            {
                _ = parse.GetValue(inputChannel) ?? throw new CliException("Error: the input channel is required (-ic/--input-channel)", ExitCodes.BadInput);
                ParseProcessorArgs(parse.GetValue(processorArgs));
                return await new ConsumerProcessGroup(Print).RunAsync(ids, sections, ct);
            }

            var id = ids[0];
            var spec = parse.GetValue(idFormat);
            var input = parse.GetValue(inputChannel) ?? throw new CliException("Error: the input channel is required (-ic/--input-channel)", ExitCodes.BadInput);
            var options = new DataConsumerOptions
            {
                ConsumerId = id,
                ConsumerCount = childId is null ? ids.Count : ConsumerIdList.Resolve(parse.GetValue(idList), parse.GetValue(consumerId), parse.GetValue(nConsumers)).Count,
                InputChannel = ConsumerChannelNames.Resolve(input, "input", id, spec)!,
                OutputChannel = ConsumerChannelNames.Resolve(parse.GetValue(outputChannel), "output", id, spec),
                StatusChannel = ConsumerChannelNames.Resolve(parse.GetValue(statusChannel), "status", id, spec),
                ControlChannel = ConsumerChannelNames.Resolve(parse.GetValue(controlChannel), "control", id, spec),
                ServerQueueSize = parse.GetValue(serverQueue),
                ReceiverQueueSize = parse.GetValue(receiverQueue),
                ObjectIdField = parse.GetValue(oidField)!,
                ObjectIdOffset = parse.GetValue(oidOffset),
                FieldRequest = parse.GetValue(fieldRequest) ?? string.Empty,
                InputMode = mode,
                OutputMode = output,
                AccumulateObjects = parse.GetValue(accumulate),
                AccumulationTimeout = parse.GetValue(accumulationTimeout),
                // A hosted input record or RPC service has no initial update: unless -siu is given, nothing is skipped (§13.4).
                SkipInitialUpdates = mode is ConsumerInputMode.Pvas or ConsumerInputMode.Rpc && parse.GetResult(skip) is null or { Implicit: true } ? 0 : parse.GetValue(skip),
                DistributorPluginName = parse.GetValue(pluginName)!,
                DistributorGroup = parse.GetValue(group),
                DistributorSet = parse.GetValue(set),
                DistributorTrigger = parse.GetValue(trigger),
                DistributorUpdates = parse.GetValue(updates),
                DistributorSetCount = parse.GetValue(nSets),
                MetadataChannels = parse.GetValue(metadata),
                ProcessorReload = parse.GetValue(processorReload),
                ReportPeriod = parse.GetValue(reportPeriod),
                Runtime = parse.GetValue(runtime),
                AllowedClients = ClientAccessList.Parse(parse.GetValue(allowUsers), parse.GetValue(allowHosts)),
                ProcessorTimeout = TimeSpan.FromSeconds(Math.Max(0, parse.GetValue(processorTimeout))),
            };
            var args = ParseProcessorArgs(parse.GetValue(processorArgs));
            using var logSink = new ConsumerLogging(parse.GetValue(logFile));
            using var loggerFactory = logging.CreateFactory(parse);
            loggerFactory.AddProvider(logSink);
            try
            {
                var files = parse.GetValue(processorFile) ?? [];
                if (options.ProcessorReload && files.Length == 0)
                {
                    throw new CliException("Error: --processor-reload needs the processor files (-pf/--processor-file)", ExitCodes.BadInput);
                }

                var factory = ProcessorLoader.Resolve(files, parse.GetValue(processorClass));
                await using var consumer = new DataConsumer(options, factory, args, EpicsEnvironment.ServerOptions(loggerFactory),
                    EpicsEnvironment.ClientOptions(loggerFactory), loggerFactory, EpicsEnvironment.CaClientOptions());
                // With -nc N each consumer process serves its own endpoint and page: the port plus its place in the id list.
                var place = childId is null ? 0 : ConsumerIdList.Resolve(parse.GetValue(idList), parse.GetValue(consumerId), parse.GetValue(nConsumers)).ToList().IndexOf(id);
                using var metrics = MetricsEndpoint.Start(parse.GetValue(metricsPort) + place, () => [StageSamples.Consumer("consumer", consumer.GetStatistics())]);
                await using var page = StageWebPage.Serve(parse.GetValue(web) + place, options, consumer.GetStatistics);
                await using var watcher = options.ProcessorReload
                    ? ConsumerProcessorReload.Watch(consumer, files, parse.GetValue(processorClass), loggerFactory)
                    : null;
                if (childId is null)
                {
                    // §13.6: the full-screen table unless -dc or a log level is given, or stdout is not a terminal.
                    var live = !parse.GetValue(disableCurses) && parse.GetResult(logging.Option) is null or { Implicit: true } && !Console.IsOutputRedirected;
                    await using var table = live ? new ConsumerLiveTable(sections) : null;
                    if (table is not null)
                    {
                        logSink.ErrorLogged += table.End;
                    }

                    consumer.Reported += (_, stats) =>
                    {
                        if (table is { IsLive: true })
                        {
                            table.Show(stats);
                        }
                        else
                        {
                            Print(ConsumerReport.Format(stats, sections));
                        }
                    };
                    var last = await consumer.RunAsync(ct);
                    if (table is not null)
                    {
                        await table.DisposeAsync();
                    }

                    Print(ConsumerReport.Format(last, sections));
                    return StopFailed(consumer) ? ExitCodes.Failure : ExitCodes.Success;
                }

                // A child of --n-consumers: messages to the parent on stdout, stopped by it through stdin.
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
                _ = Task.Run(async () =>
                {
                    while (await Console.In.ReadLineAsync(stop.Token) is { } line && line.Trim() != "stop")
                    {
                    }

                    await stop.CancelAsync();
                }, CancellationToken.None);
                consumer.Reported += (_, stats) => Print(ConsumerChildMessages.Report(ConsumerReport.Format(stats, sections)));
                var final = await consumer.RunAsync(stop.Token);
                Print(ConsumerChildMessages.Final(ConsumerReport.Format(final, sections), final));
                return StopFailed(consumer) ? ExitCodes.Failure : ExitCodes.Success;
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

    // A processor that did not stop is left behind (its thread ends with the process): said on stderr, exit code 1.
    private static bool StopFailed(DataConsumer consumer)
    {
        if (consumer.StopFailure is not { } failure)
        {
            return false;
        }

        Console.Error.WriteLine($"Error: consumer {consumer.Options.ConsumerId}: {failure}");
        return true;
    }

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
