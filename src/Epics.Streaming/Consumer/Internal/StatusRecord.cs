using System.Globalization;
using Epics.Pva.Data;
using Epics.Pva.Data.NT;
using Epics.Pva.Server;
using Epics.Streaming.Processing;

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

        for (var i = 1; i <= metadataChannels; i++)
        {
            b.AddStructure($"metadataStats_{i}", string.Empty, m => m
                .Add("producerId", ScalarType.UInt)
                .Add("channel", ScalarType.String)
                .AddStructure("receiverStats", string.Empty, s => s
                    .Add("nReceived", ScalarType.UInt).Add("receivedRate", ScalarType.Double)
                    .Add("nRejected", ScalarType.UInt).Add("rejectedRate", ScalarType.Double)
                    .Add("nOverruns", ScalarType.UInt).Add("overrunRate", ScalarType.Double))
                .AddStructure("queueStats", string.Empty, s => s
                    .Add("nReceived", ScalarType.UInt).Add("nRejected", ScalarType.UInt)
                    .Add("nDelivered", ScalarType.UInt).Add("nQueued", ScalarType.UInt)));
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
        SetCounts(v, "receiverStats", t, ("nReceived", "receivedRate", stats.Received), ("nRejected", "rejectedRate", q.Rejected),
            ("nErrors", "errorRate", stats.ReceiverErrors), ("nOverruns", "overrunRate", stats.Overruns));
        SetCounts(v, "publisherStats", t, ("nPublished", "publishedRate", stats.Published), ("nErrors", "errorRate", stats.PublisherErrors));
        v["queueStats.nReceived"].Set(q.Received);
        v["queueStats.nRejected"].Set(q.Rejected);
        v["queueStats.nDelivered"].Set(q.Delivered);
        v["queueStats.nQueued"].Set(q.Queued);
        v["processorStats.runtime"].Set(p.Runtime);
        v["processorStats.startTime"].Set(p.StartTime);
        v["processorStats.endTime"].Set(p.EndTime);
        v["processorStats.receivingTime"].Set(p.ReceivingTime);
        v["processorStats.firstObjectTime"].Set(p.FirstObjectTime);
        v["processorStats.lastObjectTime"].Set(p.LastObjectTime);
        v["processorStats.firstObjectId"].Set(p.FirstObjectId);
        v["processorStats.lastObjectId"].Set(p.LastObjectId);
        SetCounts(v, "processorStats", t, ("nProcessed", "processedRate", p.Processed), ("nErrors", "errorRate", p.Errors), ("nMissed", "missedRate", p.Missed));
        foreach (var (name, type) in _userTypes)
        {
            if (stats.User.TryGetValue(name, out var value))
            {
                SetUser(v["userStats." + name], type, value);
            }
        }

        // The reference fills these from the type dict (zeros, §3.2 [QUIRK]); these are the real counters.
        foreach (var m in stats.Metadata.Where(m => m.ProducerId <= _metadataChannels.Count))
        {
            var prefix = $"metadataStats_{m.ProducerId}";
            v[prefix + ".producerId"].Set((long)m.ProducerId);
            v[prefix + ".channel"].Set(m.Channel);
            SetCounts(v, prefix + ".receiverStats", t, ("nReceived", "receivedRate", m.Received), ("nRejected", "rejectedRate", m.Queue.Rejected),
                ("nOverruns", "overrunRate", m.Overruns));
            v[prefix + ".queueStats.nReceived"].Set(m.Queue.Received);
            v[prefix + ".queueStats.nRejected"].Set(m.Queue.Rejected);
            v[prefix + ".queueStats.nDelivered"].Set(m.Queue.Delivered);
            v[prefix + ".queueStats.nQueued"].Set(m.Queue.Queued);
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

    internal static void SetCounts(PvValue v, string structure, double seconds, params (string Count, string Rate, long Value)[] counts)
    {
        foreach (var (count, rate, value) in counts)
        {
            v[structure + "." + count].Set(value);
            v[structure + "." + rate].Set(ProcessingController.Rate(value, seconds));
        }
    }

    internal static void SetUser(PvField field, ScalarType type, object value)
    {
        var number = value is UnitValue u ? u.Value : value;
        switch (type)
        {
            case ScalarType.String:
                field.Set(Convert.ToString(number, CultureInfo.InvariantCulture) ?? string.Empty);
                break;
            case ScalarType.Float or ScalarType.Double:
                field.Set(Convert.ToDouble(number, CultureInfo.InvariantCulture));
                break;
            case ScalarType.Boolean:
                field.Set(Convert.ToBoolean(number, CultureInfo.InvariantCulture));
                break;
            default:
                field.Set((long)Convert.ToDouble(number, CultureInfo.InvariantCulture));
                break;
        }
    }
}
