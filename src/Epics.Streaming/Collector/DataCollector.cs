using System.Text.Json.Nodes;
using Epics.Ca.Client;
using Epics.Pva;
using Epics.Pva.Data;
using Epics.Pva.Server;
using Epics.Streaming.Collector.Internal;
using Epics.Streaming.Consumer.Internal;
using Epics.Streaming.Processing;
using Epics.Streaming.Processing.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Epics.Streaming.Collector;

/// <summary>
/// The data collector (framework.md §0, §9): monitors one channel per producer, sorts what arrives in a cache keyed by
/// object id and hands it to the processor in runs of consecutive ids (all objects of one id together, late ones
/// rejected, gaps counted as missed), with the status (§3.3), control (§4) and output (§2.4) records on its own PVA
/// server, like <see cref="Consumer.DataConsumer"/>. A run is released when the cache is full, when nothing arrived
/// for the quiet period (the reference's rule), or when an object has waited <see cref="DataCollectorOptions.MaxWait"/>.
/// It prints nothing; <see cref="Reported"/> is for the host.
/// </summary>
public sealed partial class DataCollector : IAsyncDisposable
{
    private static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(5);
    private readonly StageEndpoints _endpoints;
    private readonly StageReporting<CollectorStatistics> _reporting;
    private readonly List<ProducerChannel> _producers;
    private readonly SortingCache<PvValue> _cache;
    private readonly ILogger _logger;
    private readonly ObjectIdTracker _tracker;
    private readonly ProcessingController _controller;
    private readonly HashSet<string> _loggedReceiverErrors = [];
    private readonly ManualResetEventSlim _wake = new();
    private readonly TaskCompletionSource _stopRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _stopping;
    private bool _started;
    private CollectorStatusRecord? _status;
    private ControlRecord? _control;
    private SharedPv? _output;
    private PvasDataPublisher? _publisher;
    private Thread? _processing;
    private long _receiverErrors;
    private CollectorStatistics? _final;

    /// <summary>
    /// A collector with <paramref name="options"/> running the processor <paramref name="createProcessor"/> makes from
    /// the configuration (<paramref name="processorArgs"/> with the system keys written over it).
    /// </summary>
    /// <exception cref="StreamingConfigurationException">The options do not fit together.</exception>
    public DataCollector(DataCollectorOptions options, Func<JsonObject, UserDataProcessor> createProcessor, JsonObject? processorArgs = null,
        PvaServerOptions? serverOptions = null, PvaClientOptions? clientOptions = null, ILoggerFactory? loggerFactory = null,
        CaClientOptions? caClientOptions = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(createProcessor);
        options.Validate();
        Options = options;
        var factory = loggerFactory ?? NullLoggerFactory.Instance;
        _endpoints = new StageEndpoints((serverOptions ?? PvaServerOptions.Default) with { LoggerFactory = factory },
            (clientOptions ?? PvaClientOptions.Default) with { LoggerFactory = factory }, caClientOptions ?? CaClientOptions.Default,
            MetadataChannel.Parse(options.MetadataChannels, options.ReceiverQueueSize));
        _logger = factory.CreateLogger($"collector-{options.CollectorId}");
        _reporting = new StageReporting<CollectorStatistics>(Gather, s => _status?.Publish(s), s => Reported?.Invoke(this, s), _logger);
        var queueSize = options.EffectiveReceiverQueueSize;
        _producers = options.Producers.Select(p => new ProducerChannel(p, queueSize)).ToList();
        _cache = new SortingCache<PvValue>(options.EffectiveCacheSize, options.ObjectIdOffset, timeProvider);
        Configuration = BuildConfiguration(options, processorArgs);
        Processor = createProcessor(Configuration);
        Processor.ProcessorId = options.CollectorId;
        Processor.ObjectIdField = options.ObjectIdField;
        Processor.Logger = factory.CreateLogger(Processor.GetType().Name);
        _tracker = new ObjectIdTracker(options.ObjectIdOffset, 1, options.SkipInitialUpdates);
        _controller = new ProcessingController(Processor, _tracker, _logger, CreatePublisher, timeProvider);
    }

    /// <summary>Raised (on the run loop's thread) every report period and on the <c>get_stats</c> command, after the status record is updated.</summary>
    public event EventHandler<CollectorStatistics>? Reported;

    /// <summary>The options.</summary>
    public DataCollectorOptions Options { get; }

    /// <summary>The configuration the processor was made with.</summary>
    public JsonObject Configuration { get; }

    /// <summary>The processor.</summary>
    public UserDataProcessor Processor { get; }

    /// <summary>The collector's PVA server (after start).</summary>
    public PvaServer? Server => _started ? _endpoints.Server : null;

    /// <summary>Completes when the <c>stop</c> command arrives.</summary>
    public Task StopRequested => _stopRequested.Task;

    /// <summary>Serves the records, starts the processor, the producer and metadata monitors and the processing thread.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        _started = true;
        var server = _endpoints.Server;
        if (Options.StatusChannel is { } statusName)
        {
            _status = new CollectorStatusRecord(Options.CollectorId, Processor.GetStatsPvaTypes(), _producers.Select(p => p.Producer).ToList(),
                _endpoints.Metadata.Select(m => m.Name).ToList());
            server.AddPv(statusName, _status.Pv);
        }

        if (Options.ControlChannel is { } controlName)
        {
            _control = new ControlRecord(controlName, new PutAccessGuard(Options.AllowedClients, _logger), "collectorId", Options.CollectorId, Execute);
            server.AddPv(controlName, _control.Pv);
        }

        if (Options.OutputChannel is { } outputName)
        {
            _output = new SharedPv(); // typed by the first object; clients wait until then
            server.AddPv(outputName, _output);
        }

        Processor.PvaServer = server;
        Processor.InputChannel = Options.InputChannel;
        Processor.OutputChannel = Options.OutputChannel;
        Processor.DataPublisher = null;
        Processor.MetadataQueues = _endpoints.MetadataQueues();

        // Unlike the reference, the processor starts before any object can arrive.
        _controller.Start();
        await _endpoints.StartAsync(cancellationToken).ConfigureAwait(false);
        _processing = new Thread(ProcessCache) { IsBackground = true, Name = $"collector-{Options.CollectorId} processing" };
        _processing.Start();
        var request = Options.BuildProducerRequest();
        _logger.LogInformation("Using request string {Request} for {Count} producers", request, _producers.Count);
        foreach (var p in _producers)
        {
            p.Start(_endpoints.Client, request, Collect, _wake.Set, _logger);
        }

        _endpoints.StartMetadata(Options.ServerQueueSize, _logger);
        _logger.LogInformation("Started hpc collector {Id}", Options.CollectorId);
    }

    /// <summary>
    /// Starts, then runs until <paramref name="cancellationToken"/> (Ctrl-C), the run time or the <c>stop</c> command,
    /// reporting every report period and updating the status at least every <see cref="DataCollectorOptions.MaxStatusUpdatePeriod"/>;
    /// stops and returns the final statistics.
    /// </summary>
    public async Task<CollectorStatistics> RunAsync(CancellationToken cancellationToken = default)
    {
        await StartAsync(cancellationToken).ConfigureAwait(false);
        await _reporting.RunAsync(Options.Runtime, Options.ReportPeriod, Options.MaxStatusUpdatePeriod, _stopRequested.Task, cancellationToken)
            .ConfigureAwait(false);
        return await StopAsync().ConfigureAwait(false);
    }

    /// <summary>The statistics now (does not publish).</summary>
    public CollectorStatistics GetStatistics() => _reporting.Snapshot();

    /// <summary>
    /// Stops the producer and metadata monitors, hands what is still queued or cached to the processor in order, stops
    /// the processor (its <c>Stop</c>) and the server; returns the final statistics.
    /// </summary>
    public async Task<CollectorStatistics> StopAsync()
    {
        if (_final is not null)
        {
            return _final;
        }

        foreach (var p in _producers)
        {
            await p.DisposeAsync().ConfigureAwait(false);
        }

        await _endpoints.StopMetadataAsync().ConfigureAwait(false);
        _stopping = true;
        _wake.Set();
        if (_processing is not null && !_processing.Join(TimeSpan.FromSeconds(30)))
        {
            _logger.LogWarning("The processing thread did not finish the cached objects in time");
        }

        try
        {
            _controller.Stop();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _logger.LogError(e, "Processor stop failed: {Message}", e.Message);
        }

        _final = GetStatistics();
        _producers.ForEach(p => p.Queue?.Clear());
        _endpoints.ClearMetadata();
        await _endpoints.StopAsync().ConfigureAwait(false);

        _logger.LogInformation("Stopped hpc collector {Id}", Options.CollectorId);
        return _final;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_started)
        {
            await StopAsync().ConfigureAwait(false);
        }

        _wake.Dispose();
    }

    // framework.md §2.2 for the collector: the user's keys, then the system keys written over them.
    private static JsonObject BuildConfiguration(DataCollectorOptions o, JsonObject? processorArgs)
    {
        var c = processorArgs?.DeepClone().AsObject() ?? [];
        c["processorId"] = o.CollectorId;
        c["inputChannel"] = o.InputChannel;
        c["outputChannel"] = o.OutputChannel;
        c["objectIdField"] = o.ObjectIdField;
        c["skipInitialUpdates"] = o.SkipInitialUpdates;
        c["objectIdOffset"] = o.ObjectIdOffset;
        c["nSequentialUpdates"] = 1;
        c["fieldRequest"] = o.FieldRequest;
        c["collectorCacheSize"] = o.EffectiveCacheSize;
        return c;
    }

    private IDataPublisher? CreatePublisher(PvValue first)
    {
        if (_output is null)
        {
            return null;
        }

        var type = Processor.GetOutputPvObjectType(first);
        if (type is null)
        {
            _endpoints.Server.RemovePv(Options.OutputChannel!);
            return null;
        }

        _publisher = new PvasDataPublisher(_output);
        _publisher.Open(type);
        return _publisher;
    }
}
