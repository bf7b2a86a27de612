using ScottPlot;
using SkiaSharp;

namespace Pvstream.Bench;

/// <summary>
/// The bench as a picture: frames/s (left) and total GB/s (right) against the number of consumers, one line per frame
/// size and metadata setting; the reference's lines dashed beside ours.
/// </summary>
internal static class BenchPlot
{
    private const int PanelWidth = 700;
    private const int Height = 500;

    public static void SavePng(IReadOnlyList<BenchTable.Row> rows, string path)
    {
        var frames = Panel("Highest lossless rate", "Frames/s");
        var bytes = Panel("Data rate", "Total GB/s");
        var series = rows
            .SelectMany(r => r.Reference is null ? new[] { r.Ours } : new[] { r.Ours, r.Reference })
            .GroupBy(c => (c.Implementation, c.Cell.Frame, c.Cell.MetadataChannels));
        var palette = new ScottPlot.Palettes.Category10();
        var colours = new Dictionary<(FrameSpec, int), Color>();
        foreach (var line in series)
        {
            var (implementation, frame, metadata) = line.Key;
            if (!colours.TryGetValue((frame, metadata), out var colour))
            {
                colour = colours[(frame, metadata)] = palette.GetColor(colours.Count);
            }

            var cells = line.OrderBy(c => c.Cell.Consumers).ToArray();
            var x = cells.Select(c => (double)c.Cell.Consumers).ToArray();
            var label = $"{frame.Label}{(metadata > 0 ? $" +{metadata} md" : "")} ({implementation})";
            Add(frames, x, cells.Select(c => c.Rate).ToArray(), label, colour, implementation != "pvstream");
            Add(bytes, x, cells.Select(c => c.Rate * c.Cell.Frame.Bytes / 1e9).ToArray(), label, colour, implementation != "pvstream");
        }

        foreach (var panel in new[] { frames, bytes })
        {
            // From zero, so rates compare by height.
            panel.Axes.AutoScale();
            var top = panel.Axes.GetLimits().Top;
            panel.Axes.SetLimitsY(0, top > 0 ? top * 1.1 : 1);
        }

        using var surface = SKSurface.Create(new SKImageInfo(2 * PanelWidth, Height));
        surface.Canvas.Clear(SKColors.White);
        var left = 0;
        foreach (var panel in new[] { frames, bytes })
        {
            using var image = SKBitmap.Decode(panel.GetImageBytes(PanelWidth, Height, ImageFormat.Png));
            surface.Canvas.DrawBitmap(image, left, 0);
            left += PanelWidth;
        }

        using var snapshot = surface.Snapshot();
        using var png = snapshot.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, png.ToArray());
    }

    private static Plot Panel(string title, string yLabel)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel("Consumers");
        plot.YLabel(yLabel);
        plot.ShowLegend(Alignment.UpperLeft);
        return plot;
    }

    private static void Add(Plot plot, double[] x, double[] y, string label, Color colour, bool dashed)
    {
        var scatter = plot.Add.Scatter(x, y, colour);
        scatter.LegendText = label;
        scatter.MarkerSize = 7;
        if (dashed)
        {
            scatter.LinePattern = LinePattern.Dashed;
            scatter.MarkerShape = MarkerShape.OpenSquare;
        }
    }
}
