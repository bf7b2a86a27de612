using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Epics.Pva.Data;
using Microsoft.Extensions.Logging;

namespace Epics.Streaming.Processing;

/// <summary>
/// Runs a processor over incoming objects (framework.md §5): reads the object id, skips the initial updates, counts
/// missed objects, creates the output publisher from the first object, calls <see cref="UserDataProcessor.Process"/>
/// and counts what it did. A processor exception is counted and logged once per kind (type and throw site) with its
/// stack; the stream goes on. <see cref="Handle(PvValue)"/> is called from one thread at a time; the rest from any thread.
/// </summary>
public sealed class ProcessingController
{
    private readonly Lock _lock = new();
    private readonly Lock _handling = new(); // Handle against ReplaceProcessor: a swap falls between two objects
    private readonly ObjectIdTracker _tracker;
    private readonly Func<PvValue, IDataPublisher?>? _createPublisher;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, bool> _loggedErrors = new();
    private readonly TimeProvider _time;
    private long _processed;
    private long _errors;
    private double _startTime;
    private double _endTime;
    private double _firstObjectTime;
    private double _lastObjectTime;

    /// <summary>
    /// A controller for <paramref name="processor"/> with the id bookkeeping of <paramref name="tracker"/>;
    /// <paramref name="createPublisher"/> makes the output publisher from the first object (null: no output).
    /// </summary>
    public ProcessingController(UserDataProcessor processor, ObjectIdTracker tracker, ILogger logger,
        Func<PvValue, IDataPublisher?>? createPublisher = null, TimeProvider? timeProvider = null)
    {
        Processor = processor;
        _tracker = tracker;
        _logger = logger;
        _createPublisher = createPublisher;
        _time = timeProvider ?? TimeProvider.System;
        processor.ResetStats();
    }

    /// <summary>The processor (another one after <see cref="ReplaceProcessor"/>).</summary>
    public UserDataProcessor Processor { get; private set; }

    /// <summary>The output publisher, once the first object made it.</summary>
    public IDataPublisher? Publisher { get; private set; }

    /// <summary>Starts timing and calls the processor's <see cref="UserDataProcessor.Start"/>.</summary>
    public void Start()
    {
        lock (_lock)
        {
            _startTime = Now();
            _endTime = 0;
        }

        Processor.Start();
    }

    /// <summary>Handles one object; false when it was skipped, had no id, or the processor threw.</summary>
    public bool Handle(PvValue value) => Handle(value, out _);

    /// <summary>
    /// Handles one object; false when it was skipped or the processor threw (<paramref name="processorFailure"/> then
    /// says what it threw). An object without an id throws.
    /// </summary>
    public bool Handle(PvValue value, out Exception? processorFailure)
    {
        lock (_handling)
        {
            return HandleOne(value, out processorFailure);
        }
    }

    /// <summary>
    /// Swaps in <paramref name="next"/> between two objects (framework.md §13, <c>--processor-reload</c>): it gets what the
    /// framework set on the current processor (ids, channels, server, publisher, metadata queues), the current one is
    /// stopped and <paramref name="next"/> started; the counters of this controller go on. When <paramref name="next"/>
    /// fails to start, the current processor is started again and keeps running, and the failure is thrown.
    /// </summary>
    public void ReplaceProcessor(UserDataProcessor next)
    {
        ArgumentNullException.ThrowIfNull(next);
        lock (_handling)
        {
            var current = Processor;
            next.ProcessorId = current.ProcessorId;
            next.ObjectIdField = current.ObjectIdField;
            next.InputChannel = current.InputChannel;
            next.OutputChannel = current.OutputChannel;
            next.PvaServer = current.PvaServer;
            next.DataPublisher = current.DataPublisher;
            next.MetadataQueues = current.MetadataQueues;
            try
            {
                current.Stop();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _logger.LogError(e, "Processor stop failed: {Message}", e.Message);
            }

            try
            {
                next.ResetStats();
                next.Start();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                current.Start();
                throw;
            }

            Processor = next;
        }
    }

    private bool HandleOne(PvValue value, out Exception? processorFailure)
    {
        processorFailure = null;
        var oid = ReadObjectId(value);
        ObjectIdDecision decision;
        lock (_lock)
        {
            decision = _tracker.Observe(oid);
        }

        if (decision.IsFirst && Publisher is null && _createPublisher is not null)
        {
            Publisher = _createPublisher(value);
            Processor.DataPublisher = Publisher;
        }

        if (decision.Skip)
        {
            _logger.LogDebug("Skipping initial update, {Remaining} remain to be skipped", _tracker.SkipInitialUpdates);
            return false;
        }

        if (decision.Missed > 0)
        {
            _logger.LogDebug("Missed {Missed} objects at id {Id}", decision.Missed, oid);
        }

        lock (_lock)
        {
            var now = Now();
            if (_firstObjectTime == 0)
            {
                _firstObjectTime = now;
            }

            _lastObjectTime = now;
        }

        try
        {
            Processor.Process(value);
            Interlocked.Increment(ref _processed);
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Interlocked.Increment(ref _errors);
            LogOncePerKind(e);
            processorFailure = e;
            return false;
        }
    }

    /// <summary>Applies the system keys of a <c>configure</c> command (skipInitialUpdates, objectIdOffset, nSequentialUpdates).</summary>
    public void ApplySystemKeys(JsonObject configuration)
    {
        lock (_lock)
        {
            if (ReadLong(configuration, "skipInitialUpdates") is { } skip)
            {
                _tracker.SkipInitialUpdates = (int)skip;
            }

            if (ReadLong(configuration, "objectIdOffset") is { } offset)
            {
                _tracker.ObjectIdOffset = offset;
            }

            if (ReadLong(configuration, "nSequentialUpdates") is { } n)
            {
                _tracker.SequentialUpdates = (int)n;
            }
        }
    }

    /// <summary>Zeroes the counters, forgets the ids, restarts the clock and calls the processor's <see cref="UserDataProcessor.ResetStats"/>.</summary>
    public void ResetStats()
    {
        lock (_lock)
        {
            _tracker.Reset();
            _processed = 0;
            _errors = 0;
            _firstObjectTime = 0;
            _lastObjectTime = 0;
            _startTime = Now();
            _endTime = 0;
        }

        Processor.ResetStats();
    }

    /// <summary>Stops timing and calls the processor's <see cref="UserDataProcessor.Stop"/>.</summary>
    public void Stop()
    {
        lock (_lock)
        {
            _endTime = Now();
        }

        lock (_handling)
        {
            Processor.Stop();
        }
    }

    /// <summary>The statistics now.</summary>
    public ProcessorStatistics GetStatistics()
    {
        lock (_lock)
        {
            var receiving = _lastObjectTime - _firstObjectTime;
            var processed = Interlocked.Read(ref _processed);
            var errors = Interlocked.Read(ref _errors);
            var missed = _tracker.Missed;
            return new ProcessorStatistics
            {
                Runtime = (_endTime > 0 ? _endTime : Now()) - _startTime,
                StartTime = _startTime,
                EndTime = _endTime,
                ReceivingTime = receiving,
                FirstObjectTime = _firstObjectTime,
                LastObjectTime = _lastObjectTime,
                FirstObjectId = _tracker.FirstObjectId ?? 0,
                LastObjectId = _tracker.LastObjectId ?? 0,
                Processed = processed,
                ProcessedRate = Rate(processed, receiving),
                Errors = errors,
                ErrorRate = Rate(errors, receiving),
                Missed = missed,
                MissedRate = Rate(missed, receiving),
            };
        }
    }

    /// <summary>count / seconds, or 0 when no time passed.</summary>
    public static double Rate(long count, double seconds) => seconds > 0 ? count / seconds : 0;

    private long ReadObjectId(PvValue value)
    {
        var field = Processor.ObjectIdField;
        if (!value.TryGetField(field, out var f) || f.Type.Kind != TypeKind.Scalar)
        {
            throw new InvalidDataException($"the object has no scalar object-id field '{field}'");
        }

        return f.GetInt64();
    }

    private void LogOncePerKind(Exception e)
    {
        var kind = $"{e.GetType().FullName} {FirstLine(e.StackTrace)}";
        if (_loggedErrors.TryAdd(kind, true))
        {
            _logger.LogError(e, "Processing error: {Message} (further {Kind} errors are counted, not logged)", e.Message, e.GetType().Name);
        }
    }

    private static string FirstLine(string? text)
    {
        var trimmed = (text ?? string.Empty).TrimStart();
        var end = trimmed.IndexOfAny(['\r', '\n']);
        return end < 0 ? trimmed : trimmed[..end];
    }

    private double Now() => (_time.GetUtcNow() - DateTimeOffset.UnixEpoch).TotalSeconds;

    private static long? ReadLong(JsonObject configuration, string key)
    {
        if (!configuration.TryGetPropertyValue(key, out var node) || node is not JsonValue v)
        {
            return null;
        }

        // A value parsed from JSON and one set from C# (an int, a double) are read alike through their JSON text.
        var text = v.GetValueKind() == System.Text.Json.JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString();
        return double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d) ? (long)d : null;
    }
}
