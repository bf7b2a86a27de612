using System.Text.Json.Nodes;
using Epics.Ca.Client;
using Epics.Pva;
using Epics.Pva.Client;
using Epics.Pva.Data;
using Epics.Pva.Server;
using Epics.Streaming.Consumer.Internal;
using Epics.Streaming.Processing;
using Epics.Streaming.Processing.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Epics.Streaming.Consumer;

/// <summary>
/// One data consumer (framework.md §0, §13.1, §13.2): takes objects from its input (a PVA monitor with the server queue,
/// distributor and field request of §6.1, a CA monitor, puts into a record it hosts, or calls to an RPC service it
/// hosts), optionally through a bounded receiver queue, runs the processor on every object with the object-id
/// bookkeeping of §5, publishes the results (a hosted record, puts to a remote record, or remote RPC calls, §2.4) and
/// serves the status (§3) and control (§4) records on its own PVA server. A stage like the others: <see cref="StartAsync"/>, <see cref="StopAsync"/>, <see cref="RunAsync"/>, a
/// statistics snapshot that is true at any moment, and <see cref="Reported"/> for the host to print. It prints nothing.
/// </summary>
public sealed partial class DataConsumer : IAsyncDisposable
{
    private readonly StageEndpoints _endpoints;
    private readonly StageReporting<ConsumerStatistics> _reporting;
    private readonly ILogger _logger;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ObjectIdTracker _tracker;
    private readonly ProcessingController _controller;
    private readonly PvObjectQueue? _queue;
    private readonly ProcessorWatchdog? _watchdog;
    private readonly Lock _handleGate = new();
    private readonly HashSet<string> _loggedReceiverErrors = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _stopRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _started;
    private PvaSubscription? _subscription;
    private CaSubscription? _caSubscription;
    private StatusRecord? _status;
    private ControlRecord? _control;
    private SharedPv? _output;
    private IDataPublisher? _publisher;
    private Task? _receiving;
    private Thread? _processing;
    private long _received;
    private long _overruns;
    private int _reconnectSkips;
    private long _receiverErrors;
    private ConsumerStatistics? _final;
    private string? _processorReloadStatus;
    private string? _stopFailure;

    /// <summary>
    /// A consumer with <paramref name="options"/> running the processor <paramref name="createProcessor"/> makes from the
    /// configuration (<paramref name="processorArgs"/> with the system keys of §2.2 written over it).
    /// </summary>
    /// <exception cref="StreamingConfigurationException">The options do not fit together.</exception>
    public DataConsumer(DataConsumerOptions options, Func<JsonObject, UserDataProcessor> createProcessor, JsonObject? processorArgs = null,
        PvaServerOptions? serverOptions = null, PvaClientOptions? clientOptions = null, ILoggerFactory? loggerFactory = null,
        CaClientOptions? caClientOptions = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(createProcessor);
        options.Validate();
        Options = options;
        var factory = loggerFactory ?? NullLoggerFactory.Instance;
        _endpoints = new StageEndpoints((serverOptions ?? PvaServerOptions.Default) with { LoggerFactory = factory },
            (clientOptions ?? PvaClientOptions.Default) with { LoggerFactory = factory }, caClientOptions ?? CaClientOptions.Default,
            MetadataChannel.Parse(options.MetadataChannels, options.ReceiverQueueSize));
        _logger = factory.CreateLogger($"consumer-{options.ConsumerId}");
        _reporting = new StageReporting<ConsumerStatistics>(Gather, s => _status?.Publish(s), s => Reported?.Invoke(this, s), _logger);
        Configuration = BuildConfiguration(options, processorArgs);
        _loggerFactory = factory;
        var processor = createProcessor(Configuration);
        processor.ProcessorId = options.ConsumerId;
        processor.ObjectIdField = options.ObjectIdField;
        processor.Logger = factory.CreateLogger(processor.GetType().Name);
        _tracker = new ObjectIdTracker(options.EffectiveObjectIdOffset, options.SequentialUpdates, options.SkipInitialUpdates);
        _controller = new ProcessingController(processor, _tracker, _logger, CreatePublisher);
        if (options.ReceiverQueueSize >= 0)
        {
            _queue = new PvObjectQueue(options.ReceiverQueueSize);
        }

        if (options.ProcessorTimeout > TimeSpan.Zero)
        {
            _watchdog = new ProcessorWatchdog(options.ProcessorTimeout, _logger);
        }
    }

    /// <summary>Raised (on a timer thread) every report period and on the <c>get_stats</c> command, after the status record is updated.</summary>
    public event EventHandler<ConsumerStatistics>? Reported;

    /// <summary>The options.</summary>
    public DataConsumerOptions Options { get; }

    /// <summary>The configuration the processor was made with.</summary>
    public JsonObject Configuration { get; }

    /// <summary>The processor (another one after <see cref="ReplaceProcessor"/>).</summary>
    public UserDataProcessor Processor => _controller.Processor;

    /// <summary>
    /// What the last processor reload did (null: none yet): shown in the status record's <c>processorReload</c> field
    /// when <see cref="DataConsumerOptions.ProcessorReload"/> is set, and in the statistics.
    /// </summary>
    public string? ProcessorReloadStatus
    {
        get => Volatile.Read(ref _processorReloadStatus);
        set => Volatile.Write(ref _processorReloadStatus, value);
    }

    /// <summary>
    /// Swaps in a processor <paramref name="createProcessor"/> makes from <see cref="Configuration"/>, between two objects:
    /// the current one is stopped, the new one started, the consumer's statistics go on (framework.md §13,
    /// <c>--processor-reload</c>). When the new one cannot be made or started, the current one keeps running and the
    /// failure is thrown.
    /// </summary>
    public void ReplaceProcessor(Func<JsonObject, UserDataProcessor> createProcessor)
    {
        ArgumentNullException.ThrowIfNull(createProcessor);
        var next = createProcessor(Configuration);
        next.Logger = _loggerFactory.CreateLogger(next.GetType().Name);
        _controller.ReplaceProcessor(next);
        _logger.LogInformation("Processor replaced by a new {Class}", next.GetType().Name);
    }

    /// <summary>
    /// Null, or why <see cref="StopAsync"/> could not stop everything within <see cref="DataConsumerOptions.StopTimeout"/>
    /// (a processor hung in <c>Process</c> or <c>Stop</c>): what did not finish is left running on its thread.
    /// </summary>
    public string? StopFailure => Volatile.Read(ref _stopFailure);

    /// <summary>The consumer's PVA server (after start).</summary>
    public PvaServer? Server => _started ? _endpoints.Server : null;

    /// <summary>The monitor request sent for the input.</summary>
    public string Request => Options.BuildRequest();

    /// <summary>Completes when the <c>stop</c> command arrives.</summary>
    public Task StopRequested => _stopRequested.Task;

    /// <summary>Serves the records, starts the processor and the input monitor.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        _started = true;
        var server = _endpoints.Server;
        if (Options.StatusChannel is { } statusName)
        {
            _status = new StatusRecord(Options.ConsumerId, Options.InputChannel, Processor.GetStatsPvaTypes(), _endpoints.Metadata.Select(m => m.Name).ToList(),
                Options.ProcessorReload, _watchdog is not null);
            server.AddPv(statusName, _status.Pv);
        }

        if (Options.ControlChannel is { } controlName)
        {
            _control = new ControlRecord(controlName, new PutAccessGuard(Options.AllowedClients, _logger), "consumerId", Options.ConsumerId, Execute);
            server.AddPv(controlName, _control.Pv);
        }

        HostInput(server);

        if (Options.OutputChannel is { } outputName && Options.OutputMode == ConsumerOutputMode.Pvas)
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

        if (_queue is not null)
        {
            _processing = new Thread(ProcessQueue) { IsBackground = true, Name = $"consumer-{Options.ConsumerId} processing" };
            _processing.Start();
        }

        StartInput();
        _endpoints.StartMetadata(Options.ServerQueueSize, _logger);
        _logger.LogInformation("Started hpc consumer {Id}", Options.ConsumerId);
    }

    /// <summary>
    /// Starts, then runs until <paramref name="cancellationToken"/> (Ctrl-C), the run time or the <c>stop</c> command,
    /// reporting every report period and updating the status at least every <see cref="DataConsumerOptions.MaxStatusUpdatePeriod"/>;
    /// stops and returns the final statistics.
    /// </summary>
    public async Task<ConsumerStatistics> RunAsync(CancellationToken cancellationToken = default)
    {
        await StartAsync(cancellationToken).ConfigureAwait(false);
        await _reporting.RunAsync(Options.Runtime, Options.ReportPeriod, Options.MaxStatusUpdatePeriod, _stopRequested.Task, cancellationToken)
            .ConfigureAwait(false);
        return await StopAsync().ConfigureAwait(false);
    }

    /// <summary>The statistics now (does not publish).</summary>
    public ConsumerStatistics GetStatistics() => _reporting.Snapshot();

    // framework.md §2.2: the user's keys, then the system keys written over them.
    private static JsonObject BuildConfiguration(DataConsumerOptions o, JsonObject? processorArgs)
    {
        var c = processorArgs?.DeepClone().AsObject() ?? [];
        c["processorId"] = o.ConsumerId;
        c["inputChannel"] = o.InputChannel;
        c["inputMode"] = o.InputMode.ToString().ToLowerInvariant();
        c["inputArgs"] = null;
        c["outputChannel"] = o.OutputChannel;
        c["outputMode"] = o.OutputMode.ToString().ToLowerInvariant();
        c["outputArgs"] = null;
        c["objectIdField"] = o.ObjectIdField;
        c["skipInitialUpdates"] = o.SkipInitialUpdates;
        c["objectIdOffset"] = o.EffectiveObjectIdOffset;
        c["nSequentialUpdates"] = o.SequentialUpdates;
        c["fieldRequest"] = o.FieldRequest;
        return c;
    }

    private IDataPublisher? CreatePublisher(PvValue first)
    {
        if (Options.OutputChannel is { } remote && Options.OutputMode != ConsumerOutputMode.Pvas)
        {
            return _publisher = new RemoteDataPublisher(_endpoints.Client, remote, Options.OutputMode, Options.RemoteOutputTimeout);
        }

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

        var publisher = new PvasDataPublisher(_output);
        publisher.Open(type);
        return _publisher = publisher;
    }
}
