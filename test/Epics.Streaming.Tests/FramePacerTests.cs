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

public class PreciseSleepTests
{
    [Fact]
    public void A_sub_millisecond_sleep_is_not_rounded_to_milliseconds()
    {
        Assert.SkipUnless(PreciseSleep.IsPrecise, "sub-millisecond sleeps are Linux-only");
        var requested = Stopwatch.Frequency / 5000; // 200 µs
        var took = new double[101];
        for (var i = 0; i < took.Length; i++)
        {
            var start = Stopwatch.GetTimestamp();
            PreciseSleep.For(requested);
            took[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        Array.Sort(took);
        Assert.True(took[0] >= 0.199, $"a sleep was shorter than asked: {took[0]} ms");
        // A millisecond-grained sleep takes >= 1 ms every time; the median keeps a busy CI machine's late wake-ups out.
        Assert.True(took[took.Length / 2] < 0.8, $"median sleep {took[took.Length / 2]} ms for 0.2 ms asked");
    }
}
