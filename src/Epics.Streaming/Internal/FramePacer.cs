using System.Diagnostics;

namespace Epics.Streaming.Internal;

/// <summary>
/// Holds a frame rate on a deadline schedule: frame n is due at start + n/fps (so errors never accumulate). It sleeps
/// to within a few tens of microseconds of the deadline (<see cref="PreciseSleep"/>) and spins only the rest (above
/// 1 kHz it sleeps to the deadline and spins not at all), so even at thousands of frames per second the publishing
/// thread leaves the cores to the network threads; where sleeps have a millisecond grain it sleeps while more than
/// ~1.5 ms remain and yields/spins after. Above 30 kHz it releases frames in bursts from ~1 ms sleeps. A late frame is
/// published at once (catching up).
/// </summary>
internal sealed class FramePacer
{
    private static readonly long SleepMargin = Stopwatch.Frequency * 3 / 2000; // 1.5 ms
    private static readonly long SpinOnly = Stopwatch.Frequency / 20000; // 50 µs
    // What a precise sleep may overshoot by (wake-up latency): sleep until this much before the deadline, spin the rest.
    private static readonly long WakeMargin = Stopwatch.Frequency / 25000; // 40 µs
    private static readonly long MaxSleep = Stopwatch.Frequency / 10; // 100 ms
    // Above this rate frames are released in bursts from ~1 ms sleeps instead of one by one from a spin: the deadline
    // schedule still holds the rate exactly, lateness stays around a millisecond, and the core is left to the network
    // threads, which on a small machine decides whether a consumer keeps up.
    private const double BurstAboveFps = 30000;
    // Above this rate the precise sleep runs to the deadline itself: the spin after it costs 40 µs of a core per frame
    // (a seventh of a core at 3,400 frames/s, taken from the network threads that decide whether consumers keep up),
    // while waking a few tens of microseconds late only shifts one frame, never the schedule.
    private const double SpinBelowFps = 1000;
    private readonly double _ticksPerFrame;
    private readonly bool _burst;
    private readonly long _wakeMargin;
    private long _start;

    public FramePacer(double framesPerSecond)
    {
        _ticksPerFrame = framesPerSecond > 0 ? Stopwatch.Frequency / framesPerSecond : 0;
        _burst = framesPerSecond > BurstAboveFps;
        _wakeMargin = framesPerSecond > SpinBelowFps ? 0 : WakeMargin;
    }

    public bool Unlimited => _ticksPerFrame == 0;

    public long StartTicks => _start;

    /// <summary>Lateness statistics (seconds): publish time minus deadline.</summary>
    public double MaxLate { get; private set; }

    public double SumLate { get; private set; }

    public long Samples { get; private set; }

    public void Start(long startTicks) => _start = startTicks;

    /// <summary>The deadline of frame <paramref name="n"/> (0-based) in Stopwatch ticks.</summary>
    public long Deadline(long n) => _start + (long)(n * _ticksPerFrame);

    /// <summary>Waits for frame <paramref name="n"/>'s deadline; returns false if <paramref name="cancel"/> is set.</summary>
    public bool WaitFor(long n, CancellationToken cancel)
    {
        if (Unlimited)
        {
            return !cancel.IsCancellationRequested;
        }

        var deadline = Deadline(n);
        while (true)
        {
            var remaining = deadline - Stopwatch.GetTimestamp();
            if (remaining <= 0)
            {
                return !cancel.IsCancellationRequested;
            }

            if (cancel.IsCancellationRequested)
            {
                return false;
            }

            if (_burst)
            {
                Thread.Sleep(1);
            }
            else if (PreciseSleep.IsPrecise)
            {
                if (remaining > _wakeMargin)
                {
                    PreciseSleep.For(Math.Min(remaining - _wakeMargin, MaxSleep)); // short enough to see a cancellation
                }
                else
                {
                    Thread.SpinWait(20);
                }
            }
            else if (remaining > SleepMargin)
            {
                var ms = (int)((remaining - SleepMargin) * 1000 / Stopwatch.Frequency);
                Thread.Sleep(Math.Clamp(ms, 1, 100));
            }
            else if (remaining > SpinOnly)
            {
                Thread.Yield();
            }
            else
            {
                Thread.SpinWait(20);
            }
        }
    }

    /// <summary>Records that frame <paramref name="n"/> went out at <paramref name="ticks"/>.</summary>
    public void Record(long n, long ticks)
    {
        if (Unlimited)
        {
            return;
        }

        var late = Math.Max(0, (ticks - Deadline(n)) / (double)Stopwatch.Frequency);
        SumLate += late;
        MaxLate = Math.Max(MaxLate, late);
        Samples++;
    }
}
