using System.Globalization;
using System.Text.RegularExpressions;
using Pvstream.Streaming;

namespace Pvstream.Bench;

/// <summary>
/// Reads the numbers a bench needs from what the programs print: a consumer's final report (the Python-pprint dict of
/// framework.md §3.6, printed alike by <c>pvstream consumer</c> and <c>pvapy-hpc-consumer</c>) and the source's
/// <c>Published frames: N @ F fps</c> line. Reading the printed text, not a private channel, measures both
/// implementations the same way.
/// </summary>
internal static partial class ConsumerReportReader
{
    /// <summary>The totals of the last report in <paramref name="output"/> that has processor statistics, or null.</summary>
    public static ConsumerTotals? ReadFinal(string output)
    {
        var report = PrintedReport.Last(output, "processorStats");
        var processor = PrintedReport.Section(report, "processorStats");
        if (processor is null)
        {
            return null;
        }

        var receiver = PrintedReport.Section(report, "receiverStats");
        long metadataReceived = 0, metadataRejected = 0, metadataOverruns = 0;
        if (PrintedReport.Section(report, "metadataStats") is { } metadata)
        {
            foreach (var channel in metadata.Values.OfType<Dictionary<string, object?>>())
            {
                var stats = PrintedReport.Section(channel, "receiverStats");
                metadataReceived += PrintedReport.Count(stats, "nReceived");
                metadataRejected += PrintedReport.Count(stats, "nRejected");
                metadataOverruns += PrintedReport.Count(stats, "nOverruns");
            }
        }

        return new ConsumerTotals(
            Received: PrintedReport.Count(receiver, "nReceived"),
            Processed: PrintedReport.Count(processor, "nProcessed"),
            Missed: PrintedReport.Count(processor, "nMissed"),
            Rejected: PrintedReport.Count(receiver, "nRejected") + metadataRejected,
            Overruns: PrintedReport.Count(receiver, "nOverruns") + metadataOverruns,
            MetadataReceived: metadataReceived);
    }

    /// <summary>The source's count and rate of published frames from its summary line, or null.</summary>
    public static (long Frames, double Rate)? ReadPublished(string output)
    {
        var matches = PublishedLine().Matches(output);
        if (matches.Count == 0)
        {
            return null;
        }

        var m = matches[^1];
        return (long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"Published frames:\s*(\d+) @ ([0-9.eE+-]+) fps")]
    private static partial Regex PublishedLine();
}
