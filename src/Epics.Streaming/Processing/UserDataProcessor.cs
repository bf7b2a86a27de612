using System.Text.Json.Nodes;
using Epics.Pva.Data;
using Epics.Pva.Server;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Epics.Streaming.Processing;

/// <summary>
/// The base of every user data processor (framework.md §2.1) and, used as it is, the built-in passthrough: each
/// object is published unchanged on the output channel. Derive from it (or from <see cref="AdImageProcessor"/> for
/// NTNDArray images) and override what you need; every method has a harmless default.
/// <para>
/// Lifecycle: constructed once with the configuration (the <c>--processor-args</c> JSON object with the system keys of
/// §2.2 written over it), then <see cref="ResetStats"/>, then the framework sets the properties below, calls
/// <see cref="Start"/>, <see cref="GetOutputPvObjectType"/> on the first object, <see cref="Process"/> for every object
/// that is not skipped, <see cref="Configure"/> on a control-channel <c>configure</c>, <see cref="GetStats"/> whenever
/// statistics are gathered and <see cref="Stop"/> once at shutdown. <see cref="Process"/> runs on one thread at a time.
/// </para>
/// </summary>
public class UserDataProcessor
{
    /// <summary>A processor with <paramref name="configuration"/> (null: empty).</summary>
    public UserDataProcessor(JsonObject? configuration = null)
    {
        Configuration = configuration ?? [];
        ProcessorId = ReadInt(Configuration, "processorId") ?? 1;
        ObjectIdField = ReadString(Configuration, "objectIdField") ?? "uniqueId";
        InputChannel = ReadString(Configuration, "inputChannel") ?? string.Empty;
        OutputChannel = ReadString(Configuration, "outputChannel");
    }

    /// <summary>The configuration the processor was built with: user keys plus the system keys of framework.md §2.2.</summary>
    public JsonObject Configuration { get; }

    /// <summary>The consumer (or collector) id.</summary>
    public int ProcessorId { get; internal set; }

    /// <summary>The field that holds the object id (<c>uniqueId</c> by default).</summary>
    public string ObjectIdField { get; internal set; }

    /// <summary>The resolved input channel name.</summary>
    public string InputChannel { get; internal set; }

    /// <summary>The resolved output channel name, or null when nothing is published.</summary>
    public string? OutputChannel { get; internal set; }

    /// <summary>The process's PVA server (status, control and output records live there); null outside a consumer.</summary>
    public PvaServer? PvaServer { get; internal set; }

    /// <summary>Publishes on the output channel; null until the first object arrives (or when there is no output).</summary>
    public IDataPublisher? DataPublisher { get; internal set; }

    /// <summary>One queue per metadata channel, keyed by the channel name without <c>pva://</c> or <c>ca://</c>.</summary>
    public IReadOnlyDictionary<string, PvObjectQueue> MetadataQueues { get; internal set; } = new Dictionary<string, PvObjectQueue>();

    /// <summary>A logger named after the processor class.</summary>
    public ILogger Logger { get; internal set; } = NullLogger.Instance;

    /// <summary>Called once before the first object.</summary>
    public virtual void Start()
    {
    }

    /// <summary>
    /// Control-channel <c>configure</c>: the parsed JSON of its <c>args</c> (or a JSON string holding the raw text when it
    /// did not parse), after the framework took its own keys from it.
    /// </summary>
    public virtual void Configure(JsonNode? configuration)
    {
    }

    /// <summary>
    /// Handles one object. Default: publish it on the output channel and return it. The object belongs to the framework:
    /// keep a <see cref="PvValue.Clone"/> (cheap: arrays are shared) if you need it after returning. The return value is
    /// not used by the framework.
    /// </summary>
    public virtual PvValue? Process(PvValue value)
    {
        UpdateOutputChannel(value);
        return value;
    }

    /// <summary>Called once at shutdown, after the input stopped.</summary>
    public virtual void Stop()
    {
    }

    /// <summary>Zeroes the processor's own statistics (at start and on <c>reset_stats</c>).</summary>
    public virtual void ResetStats()
    {
    }

    /// <summary>
    /// The processor's own statistics: numbers (int, long, double...) or <see cref="UnitValue"/>s. Only the keys declared by
    /// <see cref="GetStatsPvaTypes"/> reach the status channel; all of them are printed.
    /// </summary>
    public virtual IReadOnlyDictionary<string, object> GetStats() => EmptyStats;

    /// <summary>The status-channel types of the <see cref="GetStats"/> keys (<c>userStats</c>), asked once at start.</summary>
    public virtual IReadOnlyDictionary<string, ScalarType> GetStatsPvaTypes() => EmptyTypes;

    /// <summary>The type and initial value of the input record in <c>pvas</c> input mode; null means none defined.</summary>
    public virtual PvValue? GetInputPvObjectType() => null;

    /// <summary>
    /// The type and initial value of the output record, asked with the first input object. Default: that object
    /// (the output has the input's structure). Null: no output publisher.
    /// </summary>
    public virtual PvValue? GetOutputPvObjectType(PvValue firstInput) => firstInput;

    /// <summary>Publishes <paramref name="value"/> on the output channel if there is one; a failure is logged, not thrown.</summary>
    public void UpdateOutputChannel(PvValue value)
    {
        if (OutputChannel is null || DataPublisher is not { } publisher)
        {
            return;
        }

        try
        {
            publisher.UpdateOutputChannel(value);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Logger.LogError(e, "Cannot update output channel {Channel}: {Message}", OutputChannel, e.Message);
        }
    }

    private static readonly Dictionary<string, object> EmptyStats = [];
    private static readonly Dictionary<string, ScalarType> EmptyTypes = [];

    private static string? ReadString(JsonObject configuration, string key) =>
        configuration.TryGetPropertyValue(key, out var node) && node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static int? ReadInt(JsonObject configuration, string key) =>
        configuration.TryGetPropertyValue(key, out var node) && node is JsonValue v
        && int.TryParse(v.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture, out var i) ? i : null;
}
