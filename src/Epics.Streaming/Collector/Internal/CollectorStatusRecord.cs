using Epics.Pva.Data;
using Epics.Pva.Data.NT;
using Epics.Pva.Server;
using Epics.Streaming.Consumer.Internal;

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
            .AddStructure("processorStats", string.Empty, s => s
                .Add("runtime", ScalarType.Double).Add("startTime", ScalarType.Double).Add("endTime", ScalarType.Double)
                .Add("receivingTime", ScalarType.Double).Add("firstObjectTime", ScalarType.Double).Add("lastObjectTime", ScalarType.Double)
                .Add("firstObjectId", ScalarType.UInt).Add("lastObjectId", ScalarType.UInt)
                .Add("nProcessed", ScalarType.UInt).Add("processedRate", ScalarType.Double)
                .Add("nErrors", ScalarType.UInt).Add("errorRate", ScalarType.Double)
                .Add("nMissed", ScalarType.UInt).Add("missedRate", ScalarType.Double));
        if (userTypes.Count > 0)
        {
            b.AddStructure("userStats", string.Empty, s =>
            {
                foreach (var (name, type) in userTypes)
                {
                    s.Add(name, type);
                }
            });
        }

        foreach (var id in producerIds)
        {
            AddSourceStats(b, $"producerStats_{id}");
        }

        for (var i = 1; i <= metadataChannels; i++)
        {
            AddSourceStats(b, $"metadataStats_{i}");
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
        StatusRecord.SetCounts(v, "collectorStats", t, ("nCollected", "collectedRate", stats.Collected), ("nRejected", "rejectedRate", stats.Rejected),
            ("nMissed", "missedRate", stats.Missed));
        v["collectorStats.nCached"].Set(stats.Cached);
        v["processorStats.runtime"].Set(p.Runtime);
        v["processorStats.startTime"].Set(p.StartTime);
        v["processorStats.endTime"].Set(p.EndTime);
        v["processorStats.receivingTime"].Set(p.ReceivingTime);
        v["processorStats.firstObjectTime"].Set(p.FirstObjectTime);
        v["processorStats.lastObjectTime"].Set(p.LastObjectTime);
        v["processorStats.firstObjectId"].Set(p.FirstObjectId);
        v["processorStats.lastObjectId"].Set(p.LastObjectId);
        StatusRecord.SetCounts(v, "processorStats", t, ("nProcessed", "processedRate", p.Processed), ("nErrors", "errorRate", p.Errors),
            ("nMissed", "missedRate", p.Missed));
        foreach (var (name, type) in _userTypes)
        {
            if (stats.User.TryGetValue(name, out var value))
            {
                StatusRecord.SetUser(v["userStats." + name], type, value);
            }
        }

        foreach (var s in stats.Producers.Where(s => _producerIds.Contains(s.ProducerId)))
        {
            SetSourceStats(v, $"producerStats_{s.ProducerId}", t, s.ProducerId, s.Channel, s.Received, s.Overruns, s.Queue);
        }

        foreach (var m in stats.Metadata.Where(m => m.ProducerId <= _metadataChannels))
        {
            SetSourceStats(v, $"metadataStats_{m.ProducerId}", t, m.ProducerId, m.Channel, m.Received, m.Overruns, m.Queue);
        }

        v.MarkAllChanged();
        Pv.Post(v);
    }

    private static void AddSourceStats(PvStructureBuilder b, string name) =>
        b.AddStructure(name, string.Empty, m => m
            .Add("producerId", ScalarType.UInt)
            .Add("channel", ScalarType.String)
            .AddStructure("receiverStats", string.Empty, s => s
                .Add("nReceived", ScalarType.UInt).Add("receivedRate", ScalarType.Double)
                .Add("nRejected", ScalarType.UInt).Add("rejectedRate", ScalarType.Double)
                .Add("nOverruns", ScalarType.UInt).Add("overrunRate", ScalarType.Double))
            .AddStructure("queueStats", string.Empty, s => s
                .Add("nReceived", ScalarType.UInt).Add("nRejected", ScalarType.UInt)
                .Add("nDelivered", ScalarType.UInt).Add("nQueued", ScalarType.UInt)));

    private static void SetSourceStats(PvValue v, string prefix, double seconds, int id, string channel, long received, long overruns,
        Processing.QueueStatistics queue)
    {
        v[prefix + ".producerId"].Set((long)id);
        v[prefix + ".channel"].Set(channel);
        StatusRecord.SetCounts(v, prefix + ".receiverStats", seconds, ("nReceived", "receivedRate", received), ("nRejected", "rejectedRate", queue.Rejected),
            ("nOverruns", "overrunRate", overruns));
        v[prefix + ".queueStats.nReceived"].Set(queue.Received);
        v[prefix + ".queueStats.nRejected"].Set(queue.Rejected);
        v[prefix + ".queueStats.nDelivered"].Set(queue.Delivered);
        v[prefix + ".queueStats.nQueued"].Set(queue.Queued);
    }
}
