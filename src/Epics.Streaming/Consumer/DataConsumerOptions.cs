using System.Text;
using Epics.Pva.Server;

namespace Epics.Streaming.Consumer;

/// <summary>
/// What a <see cref="DataConsumer"/> does (framework.md §1.1), with channel names already resolved (no <c>*</c> or
/// <c>_</c> left). Defaults are the reference's.
/// </summary>
public sealed record DataConsumerOptions
{
    /// <summary>The consumer id (used in channel names and as the processor id).</summary>
    public int ConsumerId { get; init; } = 1;

    /// <summary>Consumers started together (only the object-id offset uses it).</summary>
    public int ConsumerCount { get; init; } = 1;

    /// <summary>The input channel (required).</summary>
    public string InputChannel { get; init; } = string.Empty;

    /// <summary>The output channel (hosted on the consumer's server in <c>pvas</c> output mode); null: nothing is published.</summary>
    public string? OutputChannel { get; init; }

    /// <summary>The status record; null: none.</summary>
    public string? StatusChannel { get; init; }

    /// <summary>The control record; null: none.</summary>
    public string? ControlChannel { get; init; }

    /// <summary>&gt; 0 adds <c>record[queueSize=N]</c> to the input request.</summary>
    public int ServerQueueSize { get; init; }

    /// <summary>&lt; 0: process in the monitor's reader; ≥ 0: a receiver queue of this bound (0: unlimited).</summary>
    public int ReceiverQueueSize { get; init; } = -1;

    /// <summary>The object-id field.</summary>
    public string ObjectIdField { get; init; } = "uniqueId";

    /// <summary>The expected id step; ≤ 0: computed from the distributor options (framework.md §5).</summary>
    public long ObjectIdOffset { get; init; }

    /// <summary>The subset of fields to request (a <c>field(...)</c> wrapper is removed).</summary>
    public string FieldRequest { get; init; } = string.Empty;

    /// <summary>Initial objects received but not processed.</summary>
    public int SkipInitialUpdates { get; init; } = 1;

    /// <summary>The distributor plugin name used in the request.</summary>
    public string DistributorPluginName { get; init; } = "pydistributor";

    /// <summary>The distributor group.</summary>
    public string? DistributorGroup { get; init; }

    /// <summary>The distributor set (giving one switches the plugin to mode "all").</summary>
    public string? DistributorSet { get; init; }

    /// <summary>The distributor trigger field.</summary>
    public string? DistributorTrigger { get; init; }

    /// <summary>Consecutive updates per client or set (also the group length N of §5).</summary>
    public string? DistributorUpdates { get; init; }

    /// <summary>Distributor sets across separately started consumers (only for the id offset); &gt; 1 needs a set.</summary>
    public int DistributorSetCount { get; init; } = 1;

    /// <summary>
    /// With a receiver queue, &gt; 0: objects stay queued until it holds this many or the input has been quiet for
    /// <see cref="AccumulationTimeout"/> (framework.md §7.4), so they are processed in bursts.
    /// </summary>
    public int AccumulateObjects { get; init; } = -1;

    /// <summary>Seconds since the last put after which accumulated objects are processed whatever their number.</summary>
    public double AccumulationTimeout { get; init; } = 1.0;

    /// <summary>How the input arrives: a PVA or CA monitor, puts into a record this consumer hosts, or RPC calls to it.</summary>
    public ConsumerInputMode InputMode { get; init; } = ConsumerInputMode.Pva;

    /// <summary>Where the output goes: a record this consumer hosts, puts to a remote record, or remote RPC calls.</summary>
    public ConsumerOutputMode OutputMode { get; init; } = ConsumerOutputMode.Pvas;

    /// <summary>The longest wait for one put or call of the <c>pva</c> and <c>rpc</c> output modes (it then counts as a publisher error).</summary>
    public TimeSpan RemoteOutputTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Metadata channels (framework.md §8): comma-separated <c>pva://name</c>, <c>ca://name</c> or a bare name (CA); each
    /// gets its own queue (the receiver queue size if ≥ 0, else 1000) that the processor reads.
    /// </summary>
    public string? MetadataChannels { get; init; }

    /// <summary>Seconds between reports (status update plus <see cref="DataConsumer.Reported"/>); ≤ 0: none.</summary>
    public double ReportPeriod { get; init; }

    /// <summary>Run time in seconds for <see cref="DataConsumer.RunAsync"/>; ≤ 0: until stopped.</summary>
    public double Runtime { get; init; }

    /// <summary>
    /// Whether the processor may be replaced while running (<see cref="DataConsumer.ReplaceProcessor"/>): the status
    /// record then ends with a string <c>processorReload</c> saying what the last reload did (beyond §3.2).
    /// </summary>
    public bool ProcessorReload { get; init; }

    /// <summary>
    /// A processor call that runs longer than this is a hang: logged once (object id, time), counted and shown in the
    /// status record's <c>processorHangs</c> structure until the call returns. <see cref="TimeSpan.Zero"/>: no watchdog.
    /// </summary>
    public TimeSpan ProcessorTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long <see cref="DataConsumer.StopAsync"/> waits for the input, the processing thread and the processor's
    /// <c>Stop</c> (together); what has not finished by then is left behind (<see cref="DataConsumer.StopFailure"/>).
    /// </summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest time between two status-record updates.</summary>
    public TimeSpan MaxStatusUpdatePeriod { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Who may put into the control record and the <see cref="ConsumerInputMode.Pvas"/> input record (default: anyone).</summary>
    public ClientAccessList AllowedClients { get; init; } = ClientAccessList.Anyone;

    /// <summary><see cref="DistributorUpdates"/> as a number (atoi-like: leading digits, else 0), or null when not given.</summary>
    public int? DistributorUpdateCount => DistributorUpdates is null ? null : LeadingInt(DistributorUpdates);

    /// <summary>Whether any distributor option is given.</summary>
    public bool UsesDistributor => DistributorGroup is not null || DistributorSet is not null || DistributorTrigger is not null || DistributorUpdates is not null;

    /// <summary>K, the id step this consumer expects (framework.md §5).</summary>
    public long EffectiveObjectIdOffset => Processing.ObjectIdTracker.ComputeOffset(ObjectIdOffset, DistributorUpdateCount, DistributorSetCount, ConsumerCount);

    /// <summary>N, the distributor group length (1 without distributor updates).</summary>
    public int SequentialUpdates => DistributorUpdateCount is > 0 and var u ? u : 1;

    /// <summary>The monitor request the consumer sends (framework.md §6.1).</summary>
    public string BuildRequest()
    {
        var request = new StringBuilder();
        if (ServerQueueSize > 0)
        {
            request.Append("record[queueSize=").Append(ServerQueueSize).Append(']');
        }

        if (UsesDistributor)
        {
            var items = new List<string>();
            void Add(string key, string? value)
            {
                if (value is not null)
                {
                    items.Add($"{key}:{value}");
                }
            }

            Add("group", DistributorGroup);
            Add("set", DistributorSet);
            Add("trigger", DistributorTrigger);
            Add("updates", DistributorUpdates);
            request.Append("field(_[").Append(DistributorPluginName).Append('=').Append(string.Join(';', items)).Append("])");
            return request.ToString();
        }

        var fields = FieldRequest.Trim();
        if (fields.StartsWith("field(", StringComparison.Ordinal) && fields.EndsWith(')'))
        {
            fields = fields[6..^1];
        }

        var names = fields.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        if (names.Count > 0 && !names.Contains(ObjectIdField))
        {
            names.Insert(0, ObjectIdField);
        }

        request.Append("field(").Append(string.Join(',', names)).Append(')');
        return request.ToString();
    }

    /// <summary>Throws <see cref="StreamingConfigurationException"/> for options that cannot work together.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(InputChannel))
        {
            throw new StreamingConfigurationException("Input channel is not specified.");
        }

        if (DistributorSetCount > 1 && DistributorSet is null)
        {
            throw new StreamingConfigurationException(
                $"Number of distributor sets is {DistributorSetCount}, but no distributor set is specified (--distributor-set).");
        }
    }

    private static int LeadingInt(string text)
    {
        var s = text.TrimStart();
        var end = 0;
        while (end < s.Length && (char.IsAsciiDigit(s[end]) || (end == 0 && s[end] is '-' or '+')))
        {
            end++;
        }

        return int.TryParse(s.AsSpan(0, end), System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : 0;
    }
}
