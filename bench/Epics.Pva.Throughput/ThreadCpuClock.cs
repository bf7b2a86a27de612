using System.Runtime.InteropServices;

namespace Epics.Pva.Throughput;

/// <summary>
/// CPU time of the calling thread (Linux <c>CLOCK_THREAD_CPUTIME_ID</c>; 0 elsewhere): what a synchronous call such as
/// <c>SharedPv.Post</c> costs the producer's own thread, apart from the work other threads do for it.
/// </summary>
internal static class ThreadCpuClock
{
    private const int ClockThreadCpuTimeId = 3;

    public static bool IsSupported { get; } = OperatingSystem.IsLinux();

    /// <summary>Nanoseconds of CPU this thread has used.</summary>
    public static long NowNanoseconds()
    {
        if (!IsSupported || clock_gettime(ClockThreadCpuTimeId, out var t) != 0)
        {
            return 0;
        }

        return t.Seconds * 1_000_000_000 + t.Nanoseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", SetLastError = false)]
    private static extern int clock_gettime(int clockId, out TimeSpec time);
}
