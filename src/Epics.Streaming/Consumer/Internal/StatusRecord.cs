using Epics.Pva.Data;
using Epics.Pva.Data.NT;
using Epics.Pva.Server;
using Epics.Streaming.Processing.Internal;

namespace Epics.Streaming.Consumer.Internal;

/// <summary>
/// The consumer status record with exactly the structure of framework.md §3.2 (names, types, order); with processor
/// reloading on, a string <c>processorReload</c> follows at the end, and with the processor watchdog on, last, a
/// structure <c>processorHangs</c> { uint nHangs; boolean hung; uint hungObjectId; double hungTime }.
/// </summary>
internal sealed class StatusRecord
{
    private readonly IReadOnlyDictionary<string, ScalarType> _userTypes;
    private readonly PvType _type;
    private readonly IReadOnlyList<string> _metadataChannels;
    private readonly bool _reloads;
    private readonly bool _watchdog;

    public StatusRecord(int consumerId, string inputChannel, IReadOnlyDictionary<string, ScalarType> userTypes, IReadOnlyList<string>? metadataChannels = null,
        bool reloads = false, bool watchdog = false)
    {
        _userTypes = userTypes;
        _metadataChannels = metadataChannels ?? [];
        _reloads = reloads;
        _watchdog = watchdog;
        _type = BuildType(userTypes, _metadataChannels.Count, reloads, watchdog);
        var initial = new PvValue(_type);
        initial["consumerId"].Set((long)consumerId);
        initial["inputChannel"].Set(inputChannel);
        for (var i = 0; i < _metadataChannels.Count; i++)
        {
            initial[$"metadataStats_{i + 1}.producerId"].Set((long)(i + 1));
            initial[$"metadataStats_{i + 1}.channel"].Set(_metadataChannels[i]);
        }

        Pv = new SharedPv(initial);
    }

    public SharedPv Pv { get; }

    public static PvType BuildType(IReadOnlyDictionary<string, ScalarType> userTypes, int metadataChannels = 0, bool reloads = false, bool watchdog = false)
    {
        var b = PvType.Builder()
            .Add("consumerId", ScalarType.UInt)
            .Add("inputChannel", ScalarType.String)
            .Add("objectId", ScalarType.UInt)
            .Add("objectTime", ScalarType.Double)
            .Add("objectTimestamp", NTTypes.TimeStamp)
            .AddStructure("receiverStats", string.Empty, s => s
                .Add("nReceived", ScalarType.UInt).Add("receivedRate", ScalarType.Double)
                .Add("nRejected", ScalarType.UInt).Add("rejectedRate", ScalarType.Double)
                .Add("nErrors", ScalarType.UInt).Add("errorRate", ScalarType.Double)
                .Add("nOverruns", ScalarType.UInt).Add("overrunRate", ScalarType.Double))
            .AddStructure("publisherStats", string.Empty, s => s
                .Add("nPublished", ScalarType.UInt).Add("publishedRate", ScalarType.Double)
                .Add("nErrors", ScalarType.UInt).Add("errorRate", ScalarType.Double))
            .AddStructure("queueStats", string.Empty, s => s
                .Add("nReceived", ScalarType.UInt).Add("nRejected", ScalarType.UInt)
                .Add("nDelivered", ScalarType.UInt).Add("nQueued", ScalarType.UInt))
            .AddProcessorStats()
            .AddUserStats(userTypes);
        for (var i = 1; i <= metadataChannels; i++)
        {
            b.AddSourceStats($"metadataStats_{i}");
        }

        if (reloads)
        {
            b.Add("processorReload", ScalarType.String);
        }

        if (watchdog)
        {
            b.AddStructure("processorHangs", string.Empty, s => s
                .Add("nHangs", ScalarType.UInt).Add("hung", ScalarType.Boolean).Add("hungObjectId", ScalarType.UInt).Add("hungTime", ScalarType.Double));
        }

        return b.Build();
    }

    public void Publish(ConsumerStatistics stats)
    {
        using var v = new PvValue(_type);
        var p = stats.Processor;
        var t = p.ReceivingTime;
        v["consumerId"].Set((long)stats.ConsumerId);
        v["inputChannel"].Set(stats.InputChannel);
        v["objectId"].Set(stats.ObjectId);
        v["objectTime"].Set(stats.ObjectTime);
        PvTimeStamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch.AddSeconds(stats.ObjectTime)).WriteTo(v["objectTimestamp"]);
        var q = stats.Queue ?? default;
        StatusFields.SetCounts(v, "receiverStats", t, ("nReceived", "receivedRate", stats.Received), ("nRejected", "rejectedRate", q.Rejected),
            ("nErrors", "errorRate", stats.ReceiverErrors), ("nOverruns", "overrunRate", stats.Overruns));
        StatusFields.SetCounts(v, "publisherStats", t, ("nPublished", "publishedRate", stats.Published), ("nErrors", "errorRate", stats.PublisherErrors));
        StatusFields.SetQueueStats(v, "queueStats", q);
        StatusFields.SetProcessorStats(v, p);
        StatusFields.SetUserStats(v, _userTypes, stats.User);

        // The reference fills these from the type dict (zeros, §3.2 [QUIRK]); these are the real counters.
        foreach (var m in stats.Metadata.Where(m => m.ProducerId <= _metadataChannels.Count))
        {
            StatusFields.SetSourceStats(v, $"metadataStats_{m.ProducerId}", t, m.ProducerId, m.Channel, m.Received, m.Overruns, m.Queue);
        }

        if (_reloads)
        {
            v["processorReload"].Set(stats.ProcessorReload ?? string.Empty);
        }

        if (_watchdog && stats.ProcessorHangs is { } hangs)
        {
            v["processorHangs.nHangs"].Set(hangs.Hangs);
            v["processorHangs.hung"].Set(hangs.Hung);
            v["processorHangs.hungObjectId"].Set(hangs.HungObjectId);
            v["processorHangs.hungTime"].Set(hangs.HungSeconds);
        }

        v.MarkAllChanged();
        Pv.Post(v);
    }
}
