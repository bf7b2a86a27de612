using System.Globalization;
using System.Text;

namespace Pvstream.Bench;

/// <summary>
/// The bench's tables in the reference's columns (consumers, frames/s, frames/s per consumer, frames/minute, the
/// metadata rates when metadata is on, GB/s per consumer, total GB/s), then CPU per frame and peak memory of the source
/// and the consumers, the limiter, and, when the reference ran too, its rate beside ours and the ratio. One table per
/// frame size and metadata setting, as text, markdown or CSV.
/// </summary>
internal static class BenchTable
{
    /// <summary>One row: our cell and the reference's for the same cell (null when it did not run).</summary>
    public sealed record Row(CellResult Ours, CellResult? Reference);

    public static string Text(IReadOnlyList<Row> rows) => Render(rows, markdown: false);

    public static string Markdown(IReadOnlyList<Row> rows) => Render(rows, markdown: true);

    public static string Csv(IReadOnlyList<Row> rows)
    {
        var csv = new StringBuilder("implementation,nx,ny,datatype,frame_bytes,consumers,metadata_channels,server_queue_size,frames_per_s,frames_per_s_per_consumer,frames_per_minute,metadata_per_s,gb_per_s_per_consumer,total_gb_per_s,source_cpu_us_per_frame,consumer_cpu_us_per_frame,source_peak_mb,consumer_peak_mb,trials,limiter\n");
        foreach (var cell in rows.SelectMany(r => r.Reference is null ? new[] { r.Ours } : new[] { r.Ours, r.Reference }))
        {
            var c = cell.Cell;
            var m = Measure(cell);
            csv.AppendJoin(',',
                cell.Implementation, Inv(c.Frame.Nx), Inv(c.Frame.Ny), c.Frame.DataType, Inv(c.Frame.Bytes), Inv(c.Consumers), Inv(c.MetadataChannels), Inv(c.ServerQueueSize),
                Inv(cell.Rate), Inv(cell.Rate / c.Consumers), Inv(cell.Rate * 60), Inv(cell.Rate * c.MetadataChannels),
                Inv(m.GbPerConsumer), Inv(m.TotalGb), Opt(m.SourceUs), Opt(m.ConsumerUs), Opt(m.SourcePeakMb), Opt(m.ConsumerPeakMb), Inv(cell.Trials), Quote(cell.Limiter));
            csv.Append('\n');
        }

        return csv.ToString();
    }

    private static string Render(IReadOnlyList<Row> rows, bool markdown)
    {
        var text = new StringBuilder();
        foreach (var group in rows.GroupBy(r => (r.Ours.Cell.Frame, r.Ours.Cell.MetadataChannels, r.Ours.Cell.ServerQueueSize)))
        {
            var (frame, metadata, queue) = group.Key;
            var withReference = group.Any(r => r.Reference is not null);
            var heading = string.Create(CultureInfo.InvariantCulture,
                $"Image {frame.Heading}; server queue size {queue}{(metadata > 0 ? $"; {metadata} PVA metadata channels" : "")}");
            text.Append(markdown ? "#### " : "").Append(heading).Append("\n\n");

            var header = new List<string> { "Consumers", "Frames/s", "Frames/s per consumer", "Frames/minute" };
            if (metadata > 0)
            {
                header.AddRange(["Metadata/s", "Metadata/minute"]);
            }

            header.AddRange(["GB/s per consumer", "Total GB/s", "Source µs/frame", "Consumer µs/frame", "Peak MB source/consumer"]);
            if (withReference)
            {
                header.AddRange(["Reference frames/s", "Ratio", "Reference consumer µs/frame"]);
            }

            header.Add("Limiter");
            var table = new List<List<string>> { header };
            foreach (var row in group.OrderBy(r => r.Ours.Cell.Consumers))
            {
                var o = row.Ours;
                var m = Measure(o);
                var cells = new List<string> { Inv(o.Cell.Consumers), Num(o.Rate), Num(o.Rate / o.Cell.Consumers), Num(o.Rate * 60) };
                if (metadata > 0)
                {
                    cells.AddRange([Num(o.Rate * metadata), Num(o.Rate * metadata * 60)]);
                }

                cells.AddRange([Fix(m.GbPerConsumer), Fix(m.TotalGb), Us(m.SourceUs), Us(m.ConsumerUs), $"{Mb(m.SourcePeakMb)}/{Mb(m.ConsumerPeakMb)}"]);
                if (withReference)
                {
                    var r = row.Reference;
                    cells.AddRange(r is null ? ["-", "-", "-"]
                        : [Num(r.Rate), r.Rate > 0 ? string.Create(CultureInfo.InvariantCulture, $"{o.Rate / r.Rate:0.00}x") : "-", Us(Measure(r).ConsumerUs)]);
                }

                cells.Add(o.Limiter);
                table.Add(cells);
            }

            text.Append(markdown ? MarkdownGrid(table) : TextGrid(table)).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>The derived figures of a cell (at its best passing trial).</summary>
    public static (double GbPerConsumer, double TotalGb, double? SourceUs, double? ConsumerUs, double? SourcePeakMb, double? ConsumerPeakMb) Measure(CellResult cell)
    {
        var c = cell.Cell;
        var total = cell.Rate * c.Frame.Bytes / 1e9;
        var best = cell.Best;
        double? sourceUs = null, consumerUs = null, sourceMb = null, consumerMb = null;
        if (best is { Published: > 0 })
        {
            sourceUs = best.Source?.CpuSeconds / best.Published * 1e6;
            consumerUs = best.ConsumerProcesses.Sum(p => p.CpuSeconds) / best.Published * 1e6;
            sourceMb = best.Source?.PeakWorkingSetBytes / 1e6;
            consumerMb = best.ConsumerProcesses.Select(p => p.PeakWorkingSetBytes / 1e6).DefaultIfEmpty(0).Max();
        }

        return (total / c.Consumers, total, sourceUs, consumerUs, sourceMb, consumerMb);
    }

    private static string TextGrid(List<List<string>> table)
    {
        var widths = Enumerable.Range(0, table[0].Count).Select(i => table.Max(r => r[i].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var row in table)
        {
            text.AppendJoin("  ", row.Select((cell, i) => i == row.Count - 1 ? cell : cell.PadLeft(widths[i]))).Append('\n');
        }

        return text.ToString();
    }

    private static string MarkdownGrid(List<List<string>> table)
    {
        var text = new StringBuilder();
        text.Append("| ").AppendJoin(" | ", table[0]).Append(" |\n");
        text.Append('|').AppendJoin('|', table[0].Select(_ => "---")).Append("|\n");
        foreach (var row in table.Skip(1))
        {
            text.Append("| ").AppendJoin(" | ", row.Select(c => c.Replace("|", "\\|", StringComparison.Ordinal))).Append(" |\n");
        }

        return text.ToString();
    }

    private static string Inv(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);

    private static string Opt(double? value) => value is { } v ? v.ToString("0.##", CultureInfo.InvariantCulture) : "";

    private static string Num(double value) => value.ToString("#,0.#", CultureInfo.InvariantCulture);

    private static string Fix(double value) => value.ToString("0.00", CultureInfo.InvariantCulture);

    private static string Us(double? value) => value is { } v ? v.ToString("0.0", CultureInfo.InvariantCulture) : "-";

    private static string Mb(double? value) => value is { } v ? v.ToString("0", CultureInfo.InvariantCulture) : "-";

    private static string Quote(string text) => "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
