using System.Globalization;
using System.Text;
using Epics.Streaming.Consumer;
using Epics.Streaming.Processing;

namespace Pvstream.Streaming;

/// <summary>
/// The consumer's printed report (framework.md §3.6): a Python-pprint-style dict with sorted keys, indent 2, width 512;
/// numbers with units print with four decimals and the unit. <c>--report-stats</c> keeps only the listed
/// <c>&lt;type&gt;Stats</c> keys (comma-separated; <c>all</c> keeps everything).
/// </summary>
internal static class ConsumerReport
{
    private const int Width = 512;

    public static readonly string[] StatTypes = ["receiver", "publisher", "queue", "metadata", "processor", "user", "all"];

    public static string Format(ConsumerStatistics s, IReadOnlyCollection<string> reportStats) => Pretty(Filter(Dict(s), reportStats), 0);

    /// <summary>The combined statistics of several consumers (§3.6): the receiver, publisher, queue and processor sections.</summary>
    public static string FormatCombined(ConsumerStatistics combined, IReadOnlyCollection<string> reportStats)
    {
        var dict = Dict(combined);
        foreach (var key in new[] { "consumerId", "inputChannel", "objectId", "userStats", "metadataStats" })
        {
            dict.Remove(key);
        }

        return Pretty(Filter(dict, reportStats), 0);
    }

    /// <summary>
    /// The report as rows for a table: the section (the key without its <c>Stats</c> suffix, or the top-level key),
    /// the statistic (nested keys joined with dots) and its printed value; filtered as <see cref="Format"/> filters.
    /// </summary>
    public static IEnumerable<(string Section, string Key, string Value)> Rows(ConsumerStatistics s, IReadOnlyCollection<string> reportStats)
    {
        foreach (var (key, value) in Filter(Dict(s), reportStats))
        {
            var section = key.EndsWith("Stats", StringComparison.Ordinal) ? key[..^5] : key;
            if (value is SortedDictionary<string, object> d)
            {
                foreach (var row in Flatten(d, string.Empty))
                {
                    yield return (section, row.Key, row.Value);
                }
            }
            else
            {
                yield return (section, string.Empty, value is string text ? text : Repr(value));
            }
        }
    }

    private static IEnumerable<(string Key, string Value)> Flatten(SortedDictionary<string, object> dict, string prefix)
    {
        foreach (var (key, value) in dict)
        {
            if (value is SortedDictionary<string, object> d)
            {
                foreach (var row in Flatten(d, prefix + key + "."))
                {
                    yield return row;
                }
            }
            else
            {
                yield return (prefix + key, value is string text ? text : Repr(value));
            }
        }
    }

    private static SortedDictionary<string, object> Dict(ConsumerStatistics s)
    {
        var p = s.Processor;
        var t = p.ReceivingTime;
        var q = s.Queue ?? default;
        var dict = new SortedDictionary<string, object>(StringComparer.Ordinal)
        {
            ["consumerId"] = s.ConsumerId,
            ["inputChannel"] = s.InputChannel,
            ["objectId"] = s.ObjectId,
            ["receiverStats"] = Sorted(
                ("nReceived", s.Received), ("receivedRate", Hz(s.Received, t)), ("nRejected", q.Rejected), ("rejectedRate", Hz(q.Rejected, t)),
                ("nErrors", s.ReceiverErrors), ("errorRate", Hz(s.ReceiverErrors, t)), ("nOverruns", s.Overruns), ("overrunRate", Hz(s.Overruns, t))),
            ["publisherStats"] = Sorted(("nPublished", s.Published), ("publishedRate", Hz(s.Published, t)), ("nErrors", s.PublisherErrors), ("errorRate", Hz(s.PublisherErrors, t))),
            ["queueStats"] = s.Queue is null ? Sorted() : Sorted(("nReceived", q.Received), ("nRejected", q.Rejected), ("nDelivered", q.Delivered), ("nQueued", q.Queued)),
            ["processorStats"] = Sorted(
                ("runtime", new UnitValue(p.Runtime, "s")), ("startTime", p.StartTime), ("endTime", p.EndTime), ("receivingTime", new UnitValue(t, "s")),
                ("firstObjectTime", p.FirstObjectTime), ("lastObjectTime", p.LastObjectTime), ("firstObjectId", p.FirstObjectId), ("lastObjectId", p.LastObjectId),
                ("nProcessed", p.Processed), ("processedRate", new UnitValue(p.ProcessedRate, "Hz")), ("nErrors", p.Errors), ("errorRate", new UnitValue(p.ErrorRate, "Hz")),
                ("nMissed", p.Missed), ("missedRate", new UnitValue(p.MissedRate, "Hz"))),
            ["userStats"] = new SortedDictionary<string, object>(s.User.ToDictionary(), StringComparer.Ordinal),
            ["metadataStats"] = new SortedDictionary<string, object>(s.Metadata.ToDictionary(m => $"metadata-{m.ProducerId}", m => (object)Sorted(
                ("channel", m.Channel),
                ("receiverStats", Sorted(("nReceived", m.Received), ("receivedRate", Hz(m.Received, t)), ("nRejected", m.Queue.Rejected),
                    ("rejectedRate", Hz(m.Queue.Rejected, t)), ("nOverruns", m.Overruns), ("overrunRate", Hz(m.Overruns, t)))),
                ("queueStats", Sorted(("nReceived", m.Queue.Received), ("nRejected", m.Queue.Rejected), ("nDelivered", m.Queue.Delivered), ("nQueued", m.Queue.Queued))))),
                StringComparer.Ordinal),
        };
        if (s.ProcessorHangs is { Hangs: > 0 } h)
        {
            // Not a "Stats" section: -rs never hides a hang.
            dict["processorHangs"] = Sorted(("nHangs", h.Hangs), ("hung", h.Hung), ("hungObjectId", h.HungObjectId), ("hungTime", new UnitValue(h.HungSeconds, "s")));
        }

        return dict;
    }

    internal static SortedDictionary<string, object> Filter(SortedDictionary<string, object> dict, IReadOnlyCollection<string> reportStats)
    {
        if (!reportStats.Contains("all"))
        {
            foreach (var key in dict.Keys.Where(k => k.EndsWith("Stats", StringComparison.Ordinal) && !reportStats.Contains(k[..^5])).ToList())
            {
                dict.Remove(key);
            }
        }

        return dict;
    }

    internal static UnitValue Hz(long count, double seconds) => new(ProcessingController.Rate(count, seconds), "Hz");

    internal static SortedDictionary<string, object> Sorted(params (string Key, object Value)[] items) =>
        new(items.ToDictionary(i => i.Key, i => i.Value), StringComparer.Ordinal);

    // pprint: the one-line form when it fits, else one key per line (nested dicts the same way, deeper).
    internal static string Pretty(SortedDictionary<string, object> dict, int indent)
    {
        var flat = Repr(dict);
        if (indent + flat.Length <= Width || dict.Count == 0)
        {
            return flat;
        }

        var text = new StringBuilder("{ ");
        var first = true;
        foreach (var (key, value) in dict)
        {
            if (!first)
            {
                text.Append(",\n").Append(' ', indent + 2);
            }

            first = false;
            var prefix = Quote(key) + ": ";
            text.Append(prefix).Append(value is SortedDictionary<string, object> d ? Pretty(d, indent + 2 + prefix.Length) : Repr(value));
        }

        return text.Append('}').ToString();
    }

    private static string Repr(object value) => value switch
    {
        SortedDictionary<string, object> d => "{" + string.Join(", ", d.Select(kv => Quote(kv.Key) + ": " + Repr(kv.Value))) + "}",
        string s => Quote(s),
        double d => PythonFloat(d),
        float f => PythonFloat(f),
        UnitValue u => u.ToString(),
        bool b => b ? "True" : "False",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => Quote(value.ToString() ?? string.Empty),
    };

    private static string PythonFloat(double d)
    {
        var s = d.ToString("R", CultureInfo.InvariantCulture);
        return s.Contains('.', StringComparison.Ordinal) || s.Contains('E', StringComparison.Ordinal) || s.Contains("N", StringComparison.Ordinal) || s.Contains('∞') ? s : s + ".0";
    }

    private static string Quote(string s) => "'" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";
}
