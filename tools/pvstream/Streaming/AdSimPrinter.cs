using System.Globalization;
using Epics.Streaming;
using Epics.Streaming.Frames;

namespace Pvstream.Streaming;

/// <summary>
/// Prints what an <see cref="AdSimServer"/> reports in the words of <c>pvapy-ad-sim-server</c>, plus two lines the
/// reference does not have: how long the simulator waits before the first frame, and why a run ended early.
/// </summary>
internal sealed class AdSimPrinter(LiveReporter reporter, AdSimServerOptions options)
{
    public void OnReported(object? sender, AdSimEvent e)
    {
        switch (e)
        {
            case AdSimInputMessage m:
                reporter.WriteLine(m.Message);
                break;
            case AdSimFramesReady r:
                PrintReady(r);
                break;
            case AdSimProgress p:
                reporter.Report(
                    Inv($"Published frame id {p.FrameId,6} @ {p.WallSeconds:F3}s (frame rate: {p.FrameRate:F4}fps; runtime: {p.Runtime:F3}s)"),
                    Inv($"Frame {p.FrameId} @ {p.WallSeconds:F3}s ({p.FrameRate:F4}fps; {p.Runtime:F3}s)"));
                break;
            case AdSimProducerDone d:
                reporter.WriteLine($"Frame producer is done after {d.Frames} generated frames");
                break;
            case AdSimNotified { Error: null } n:
                reporter.WriteLine($"Set notification PV {n.Pv} to {n.Value}");
                break;
            case AdSimNotified n:
                reporter.WriteLine($"Could not set notification PV {n.Pv} to {n.Value}: {n.Error}");
                break;
            case AdSimPublishingEnded end:
                reporter.WriteLine(end.Reason switch
                {
                    AdSimStopReason.RuntimeReached => Inv($"Server exiting after reaching runtime of {options.Runtime} seconds"),
                    AdSimStopReason.AllFramesPublished => $"Server exiting after publishing {end.PublishedFrames}",
                    AdSimStopReason.QueueEmptied => "Server exiting after emptying queue",
                    _ => Inv($"Server was interrupted after {end.Elapsed:F3} seconds, exiting..."),
                });
                break;
        }
    }

    /// <summary>The closing summary, from the final statistics (true however the run ended).</summary>
    public void PrintSummary(AdSimStatistics stats)
    {
        reporter.WriteLine(string.Empty);
        reporter.WriteLine(Inv($"Server runtime: {stats.Runtime:F4} seconds"));
        reporter.WriteLine(Inv($"Published frames: {stats.PublishedFrames} @ {stats.FrameRate:F4} fps"));
        reporter.WriteLine(Inv($"Data rate: {stats.DataRateMBps:F4}MBps"));
    }

    private void PrintReady(AdSimFramesReady r)
    {
        if (r.Random is { } random)
        {
            reporter.WriteLine($"Generating random frames using color mode: {FrameShape.ColorModeName(random.ColorMode)}");
            reporter.WriteLine(random.ColorMode == 0 ? $"Generated frame shape: ({random.Ny}, {random.Nx})" : $"Generated frame shape: ({random.Ny}, {random.Nx}, 3)");
            reporter.WriteLine($"Range of generated values: {random.RangeText}");
        }

        var codec = r.Codec.Length > 0 ? r.Codec : "None";
        reporter.WriteLine(Inv($"Number of input frames: {r.TotalFrames} (size: {r.Shape.Nx}x{r.Shape.Ny}, {r.FrameBytes}B, type: {AdSimServerOptions.DataTypeName(r.Shape.ElementType)}, compressor: {codec}, compressed size: {r.PublishedBytes}B)"));
        if (r.DistinctLimited)
        {
            reporter.WriteLine(Inv($"Random frame cache limited to {r.TotalFrames} distinct frames ({r.MaxRandomCacheBytes / 1e9:F1} GB)"));
        }

        reporter.WriteLine(r.QueueMode ? $"Frame cache type: queue (cache size: {r.CacheSize})" : $"Frame cache type: dict (cache size: {r.CacheSize})");
        var fps = Math.Max(0, r.FrameRate);
        reporter.WriteLine(Inv($"Expected data rate: {r.PublishedBytes * fps / 1e6:F4}MBps (uncompressed: {r.FrameBytes * fps / 1e6:F4}MBps)"));
        if (r.StartDelay > 0)
        {
            reporter.WriteLine(Inv($"Waiting {r.StartDelay} seconds before the first frame (--start-delay)"));
        }
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
