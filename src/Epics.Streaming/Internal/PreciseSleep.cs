using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Epics.Streaming.Internal;

/// <summary>
/// Sleeps for microseconds, not milliseconds. <see cref="Thread.Sleep(int)"/> has a millisecond grain, so a pacer that
/// must hit deadlines 357 µs apart would otherwise spin or yield between frames and take a core from the network
/// threads (on a 2-core machine that decides whether a consumer keeps up). On Linux the calling thread's timer slack is
/// cut to 1 µs once and <c>nanosleep</c> is used, which wakes within tens of microseconds of the deadline; elsewhere the
/// sleep is rounded down to whole milliseconds and the caller spins the rest.
/// </summary>
internal static partial class PreciseSleep
{
    private const int PrSetTimerSlack = 29;

    [ThreadStatic]
    private static bool t_slackSet;

    /// <summary>Whether sleeps shorter than a millisecond are honoured on this system.</summary>
    public static bool IsPrecise { get; } = OperatingSystem.IsLinux();

    /// <summary>Sleeps about <paramref name="ticks"/> Stopwatch ticks (never much longer; possibly a little shorter elsewhere).</summary>
    public static void For(long ticks)
    {
        if (ticks <= 0)
        {
            return;
        }

        if (!IsPrecise)
        {
            var ms = (int)Math.Min(100, ticks * 1000 / Stopwatch.Frequency);
            Thread.Sleep(Math.Max(ms, 0));
            return;
        }

        if (!t_slackSet)
        {
            t_slackSet = true;
            _ = Prctl(PrSetTimerSlack, 1000, 0, 0, 0); // 1 µs; best effort
        }

        var ns = (long)(ticks * (1e9 / Stopwatch.Frequency));
        var request = new TimeSpec { Seconds = ns / 1_000_000_000, Nanoseconds = ns % 1_000_000_000 };
        _ = NanoSleep(ref request, IntPtr.Zero); // an interrupted sleep is just shorter: the caller checks its deadline
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "nanosleep")]
    private static partial int NanoSleep(ref TimeSpec request, IntPtr remaining);

    [LibraryImport("libc", EntryPoint = "prctl")]
    private static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);
}
