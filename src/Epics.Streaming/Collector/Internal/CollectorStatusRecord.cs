using Epics.Pva.Data;
using Epics.Pva.Data.NT;
using Epics.Pva.Server;
using Epics.Streaming.Processing.Internal;

namespace Epics.Streaming.Collector.Internal;

/// <summary>The collector status record with exactly the structure of framework.md §3.3 (names, types, order).</summary>
internal sealed class CollectorStatusRecord
{
    private readonly IReadOnlyDictionary<string, ScalarType> _userTypes;
    private readonly PvType _type;
    private readonly int _metadataChannels;
    private readonly HashSet<int> _producerIds;

    public CollectorStatusRecord(int collectorId, IReadOnlyDictionary<string, ScalarType> userTypes, IReadOnlyList<CollectorProducer> producers,
        IReadOnlyList<string> metadataChannels)
    {
        _userTypes = userTypes;
        _metadataChannels = metadataChannels.Count;
        _producerIds = [.. producers.Select(p => p.Id)];
        _type = BuildType(userTypes, producers.Select(p => p.Id).ToList(), metadataChannels.Count);
        var initial = new PvValue(_type);
        initial["collectorId"].Set((long)collectorId);
        foreach (var p in producers)
        {
            initial[$"producerStats_{p.Id}.producerId"].Set((long)p.Id);
            initial[$"producerStats_{p.Id}.channel"].Set(p.Channel);
        }

        for (var i = 0; i < metadataChannels.Count; i++)
        {
            initial[$"metadataStats_{i + 1}.producerId"].Set((long)(i + 1));
            initial[$"metadataStats_{i + 1}.channel"].Set(metadataChannels[i]);
        }

        Pv = new SharedPv(initial);
    }

    public SharedPv Pv { get; }

    public static PvType BuildType(IReadOnlyDictionary<string, ScalarType> userTypes, IReadOnlyList<int> producerIds, int metadataChannels)
    {
        var b = PvType.Builder()
            .Add("collectorId", ScalarType.UInt)
            .Add("objectId", ScalarType.UInt)
            .Add("objectTime", ScalarType.Double)
            .Add("objectTimestamp", NTTypes.TimeStamp)
            .AddStructure("collectorStats", string.Empty, s => s
                .Add("nCollected", ScalarType.UInt).Add("collectedRate", ScalarType.Double)
                .Add("nRejected", ScalarType.UInt).Add("rejectedRate", ScalarType.Double)
                .Add("nMissed", ScalarType.UInt).Add("missedRate", ScalarType.Double)
                .Add("nCached", ScalarType.UInt))
            .AddProcessorStats()
            .AddUserStats(userTypes);
        foreach (var id in producerIds)
        {
            b.AddSourceStats($"producerStats_{id}");
        }

        for (var i = 1; i <= metadataChannels; i++)
        {
            b.AddSourceStats($"metadataStats_{i}");
        }

        return b.Build();
    }

    public void Publish(CollectorStatistics stats)
    {
        using var v = new PvValue(_type);
        var p = stats.Processor;
        var t = p.ReceivingTime;
        v["collectorId"].Set((long)stats.CollectorId);
        v["objectId"].Set(stats.ObjectId);
        v["objectTime"].Set(stats.ObjectTime);
        PvTimeStamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch.AddSeconds(stats.ObjectTime)).WriteTo(v["objectTimestamp"]);
        StatusFields.SetCounts(v, "collectorStats", t, ("nCollected", "collectedRate", stats.Collected), ("nRejected", "rejectedRate", stats.Rejected),
            ("nMissed", "missedRate", stats.Missed));
        v["collectorStats.nCached"].Set(stats.Cached);
        StatusFields.SetProcessorStats(v, p);
        StatusFields.SetUserStats(v, _userTypes, stats.User);
        foreach (var s in stats.Producers.Where(s => _producerIds.Contains(s.ProducerId)))
        {
            StatusFields.SetSourceStats(v, $"producerStats_{s.ProducerId}", t, s.ProducerId, s.Channel, s.Received, s.Overruns, s.Queue);
        }

        foreach (var m in stats.Metadata.Where(m => m.ProducerId <= _metadataChannels))
        {
            StatusFields.SetSourceStats(v, $"metadataStats_{m.ProducerId}", t, m.ProducerId, m.Channel, m.Received, m.Overruns, m.Queue);
        }

        v.MarkAllChanged();
        Pv.Post(v);
    }
}
