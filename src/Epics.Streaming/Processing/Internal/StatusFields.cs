using System.Globalization;
using Epics.Pva.Data;

namespace Epics.Streaming.Processing.Internal;

/// <summary>
/// The parts the consumer's and the collector's status records have in common (framework.md §3.2, §3.3): the
/// <c>processorStats</c> and <c>userStats</c> structures, a producer or metadata channel's receiver and queue statistics,
/// and counts with their rates. Each record keeps its own order of fields; these write the same fields the same way.
/// </summary>
internal static class StatusFields
{
    public static PvStructureBuilder AddProcessorStats(this PvStructureBuilder b) =>
        b.AddStructure("processorStats", string.Empty, s => s
            .Add("runtime", ScalarType.Double).Add("startTime", ScalarType.Double).Add("endTime", ScalarType.Double)
            .Add("receivingTime", ScalarType.Double).Add("firstObjectTime", ScalarType.Double).Add("lastObjectTime", ScalarType.Double)
            .Add("firstObjectId", ScalarType.UInt).Add("lastObjectId", ScalarType.UInt)
            .Add("nProcessed", ScalarType.UInt).Add("processedRate", ScalarType.Double)
            .Add("nErrors", ScalarType.UInt).Add("errorRate", ScalarType.Double)
            .Add("nMissed", ScalarType.UInt).Add("missedRate", ScalarType.Double));

    /// <summary>The processor's own statistics as a structure, when it declares any.</summary>
    public static PvStructureBuilder AddUserStats(this PvStructureBuilder b, IReadOnlyDictionary<string, ScalarType> userTypes)
    {
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

        return b;
    }

    /// <summary>A producer's or metadata channel's statistics structure (<c>producerStats_N</c>, <c>metadataStats_N</c>).</summary>
    public static PvStructureBuilder AddSourceStats(this PvStructureBuilder b, string name) =>
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

    public static void SetProcessorStats(PvValue v, ProcessorStatistics p)
    {
        v["processorStats.runtime"].Set(p.Runtime);
        v["processorStats.startTime"].Set(p.StartTime);
        v["processorStats.endTime"].Set(p.EndTime);
        v["processorStats.receivingTime"].Set(p.ReceivingTime);
        v["processorStats.firstObjectTime"].Set(p.FirstObjectTime);
        v["processorStats.lastObjectTime"].Set(p.LastObjectTime);
        v["processorStats.firstObjectId"].Set(p.FirstObjectId);
        v["processorStats.lastObjectId"].Set(p.LastObjectId);
        SetCounts(v, "processorStats", p.ReceivingTime, ("nProcessed", "processedRate", p.Processed), ("nErrors", "errorRate", p.Errors),
            ("nMissed", "missedRate", p.Missed));
    }

    public static void SetUserStats(PvValue v, IReadOnlyDictionary<string, ScalarType> userTypes, IReadOnlyDictionary<string, object> values)
    {
        foreach (var (name, type) in userTypes)
        {
            if (values.TryGetValue(name, out var value))
            {
                SetUser(v["userStats." + name], type, value);
            }
        }
    }

    public static void SetSourceStats(PvValue v, string prefix, double seconds, int id, string channel, long received, long overruns, QueueStatistics queue)
    {
        v[prefix + ".producerId"].Set((long)id);
        v[prefix + ".channel"].Set(channel);
        SetCounts(v, prefix + ".receiverStats", seconds, ("nReceived", "receivedRate", received), ("nRejected", "rejectedRate", queue.Rejected),
            ("nOverruns", "overrunRate", overruns));
        SetQueueStats(v, prefix + ".queueStats", queue);
    }

    public static void SetQueueStats(PvValue v, string structure, QueueStatistics queue)
    {
        v[structure + ".nReceived"].Set(queue.Received);
        v[structure + ".nRejected"].Set(queue.Rejected);
        v[structure + ".nDelivered"].Set(queue.Delivered);
        v[structure + ".nQueued"].Set(queue.Queued);
    }

    public static void SetCounts(PvValue v, string structure, double seconds, params (string Count, string Rate, long Value)[] counts)
    {
        foreach (var (count, rate, value) in counts)
        {
            v[structure + "." + count].Set(value);
            v[structure + "." + rate].Set(ProcessingController.Rate(value, seconds));
        }
    }

    public static void SetUser(PvField field, ScalarType type, object value)
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
