using System.Diagnostics;
using Epics.Streaming.Internal;

namespace Epics.Streaming.Tests;

public class FramePacerTests
{
    [Theory]
    [InlineData(100, 50)]
    [InlineData(2000, 1000)]
    [InlineData(50000, 20000)] // released in bursts: the rate still holds

    public void Rate_is_held_on_the_deadline_schedule(double fps, int frames)
    {
        var pacer = new FramePacer(fps);
        var start = Stopwatch.GetTimestamp();
        pacer.Start(start);
        for (var n = 1; n < frames; n++)
        {
            Assert.True(pacer.WaitFor(n, CancellationToken.None));
            pacer.Record(n, Stopwatch.GetTimestamp());
        }

        var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var expected = (frames - 1) / fps;
        // Never early. How late it runs depends on the machine's load (tests run in parallel on 2 cores), so the upper
        // bound only catches a broken schedule; pacing accuracy is measured by bench/Epics.Streaming.AdSimBench.
        Assert.InRange(elapsed, expected, (expected * 4) + 2);
        Assert.True(pacer.Samples > 0);
    }

    [Fact]
    public void Cancellation_stops_the_wait()
    {
        var pacer = new FramePacer(0.5);
        pacer.Start(Stopwatch.GetTimestamp());
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        var sw = Stopwatch.StartNew();
        Assert.False(pacer.WaitFor(1, cts.Token));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(1));
    }
}
