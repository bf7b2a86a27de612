using Epics.Pva.Server;
using Epics.Streaming.Consumer;

namespace Epics.Streaming.Collector;

/// <summary>
/// What a <see cref="DataCollector"/> does (framework.md §1.2, §9), with channel names already resolved (no <c>*</c>
/// or <c>_</c> left). Defaults are the reference's.
/// </summary>
public sealed record DataCollectorOptions
{
    /// <summary>The reference's quiet period: with the cache not full, objects wait until nothing arrived for this long.</summary>
    public static readonly TimeSpan ReferenceQuietPeriod = TimeSpan.FromSeconds(5);

    /// <summary>The collector id (used in channel names and as the processor id).</summary>
    public int CollectorId { get; init; } = 1;

    /// <summary>The producers: one monitored channel each (required, at least one).</summary>
    public IReadOnlyList<CollectorProducer> Producers { get; init; } = [];

    /// <summary>The input channel as given (the template with <c>*</c>); the processor sees it as its input channel.</summary>
    public string InputChannel { get; init; } = string.Empty;

    /// <summary>The output channel, hosted on the collector's server; null: nothing is published.</summary>
    public string? OutputChannel { get; init; }

    /// <summary>The status record; null: none.</summary>
    public string? StatusChannel { get; init; }

    /// <summary>The control record; null: none.</summary>
    public string? ControlChannel { get; init; }

    /// <summary>&gt; 0 adds <c>record[queueSize=N]</c> to every producer and metadata request.</summary>
    public int ServerQueueSize { get; init; }

    /// <summary>&lt; 0: objects go into the cache from the monitor; 0: an unlimited queue per producer; &gt; 0: raised to 10 × the cache size at least (§9.2).</summary>
    public int ReceiverQueueSize { get; init; } = -1;

    /// <summary>The requested cache size (§9.2): negative gives 10 × producers; anything smaller than the producer count gives that count.</summary>
    public int CollectorCacheSize { get; init; } = -1;

    /// <summary>The object-id field.</summary>
    public string ObjectIdField { get; init; } = "uniqueId";

    /// <summary>The expected id step (≥ 1; the reference divides by it).</summary>
    public long ObjectIdOffset { get; init; } = 1;

    /// <summary>The subset of fields to request from the producers (the object-id field is added).</summary>
    public string FieldRequest { get; init; } = string.Empty;

    /// <summary>Objects skipped by the processing controller, after sorting.</summary>
    public int SkipInitialUpdates { get; init; } = 1;

    /// <summary>Metadata channels (framework.md §8), as for the consumer.</summary>
    public string? MetadataChannels { get; init; }

    /// <summary>Seconds between reports; ≤ 0: none.</summary>
    public double ReportPeriod { get; init; }

    /// <summary>Run time in seconds for <see cref="DataCollector.RunAsync"/>; ≤ 0: until stopped.</summary>
    public double Runtime { get; init; }

    /// <summary>
    /// The latency bound in seconds (<c>--collector-max-wait</c>): an object that has waited this long in the cache is
    /// released with the run before it even when the cache is not full. ≤ 0 (the default): the reference's rule only
    /// (a full cache, or <see cref="QuietPeriod"/> without a new object). It must be longer than the spread of the
    /// objects that share one id (the tiles of one frame), or those are split over two runs and the late ones rejected.
    /// </summary>
    public double MaxWait { get; init; }

    /// <summary>With the cache not full, objects are released once nothing arrived for this long (the reference's 5 s).</summary>
    public TimeSpan QuietPeriod { get; init; } = ReferenceQuietPeriod;

    /// <summary>The longest time between two status-record updates.</summary>
    public TimeSpan MaxStatusUpdatePeriod { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Who may put into the control record (default: anyone).</summary>
    public ClientAccessList AllowedClients { get; init; } = ClientAccessList.Anyone;

    /// <summary>C, the cache size in effect (§9.2).</summary>
    public int EffectiveCacheSize => EffectiveCacheSizeFor(CollectorCacheSize, Producers.Count);

    /// <summary>R, the per-producer queue bound in effect: −1 none, 0 unlimited, else at least 10 × C (§9.2).</summary>
    public int EffectiveReceiverQueueSize => EffectiveReceiverQueueSizeFor(ReceiverQueueSize, EffectiveCacheSize);

    /// <summary>The latency bound, or null when only the reference's rule applies.</summary>
    public TimeSpan? MaxWaitSpan => MaxWait > 0 ? TimeSpan.FromSeconds(MaxWait) : null;

    /// <summary>The cache size for a <paramref name="requested"/> size and <paramref name="producers"/> producers (§9.2).</summary>
    public static int EffectiveCacheSizeFor(int requested, int producers)
    {
        var minimum = requested < 0 ? 10 * producers : producers;
        return requested > minimum ? requested : minimum;
    }

    /// <summary>The per-producer queue bound for a <paramref name="requested"/> size and cache size <paramref name="cacheSize"/> (§9.2).</summary>
    public static int EffectiveReceiverQueueSizeFor(int requested, int cacheSize) => requested switch
    {
        < 0 => -1,
        0 => 0,
        _ => requested > 10 * cacheSize ? requested : 10 * cacheSize,
    };

    /// <summary>The monitor request sent to each producer: <c>[record[queueSize=N]]field(...)</c> with the object-id field.</summary>
    public string BuildProducerRequest() => new DataConsumerOptions
    {
        ServerQueueSize = ServerQueueSize,
        FieldRequest = FieldRequest,
        ObjectIdField = ObjectIdField,
    }.BuildRequest();

    /// <summary>Throws <see cref="StreamingConfigurationException"/> for options that cannot work.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(InputChannel) && Producers.Count == 0)
        {
            throw new StreamingConfigurationException("Input channel is not specified.");
        }

        if (Producers.Count == 0)
        {
            throw new StreamingConfigurationException("The producer id list names no producer.");
        }

        if (Producers.Select(p => p.Id).Distinct().Count() != Producers.Count)
        {
            throw new StreamingConfigurationException("The producer id list names a producer twice.");
        }

        if (ObjectIdOffset < 1)
        {
            throw new StreamingConfigurationException($"The object id offset must be at least 1, not {ObjectIdOffset}.");
        }
    }
}

/// <summary>One producer of a collector: its id and the channel monitored for it.</summary>
/// <param name="Id">The producer id.</param>
/// <param name="Channel">The resolved channel name.</param>
public sealed record CollectorProducer(int Id, string Channel);
