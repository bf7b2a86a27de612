using System.Diagnostics;

namespace Epics.Streaming.Processors;

/// <summary>A count and the time spent on it (seconds), for the processors' <c>n…</c>, <c>…Time</c> and <c>…Rate</c> statistics.</summary>
internal sealed class ProcessingRate
{
    public long Count { get; private set; }

    public double Seconds { get; private set; }

    /// <summary>Count per second of processing (0 before anything was timed).</summary>
    public double Rate => Seconds > 0 ? Count / Seconds : 0;

    public void Add(long startTimestamp, long count = 1)
    {
        Count += count;
        Seconds += Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds;
    }

    public void AddTime(long startTimestamp) => Seconds += Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds;

    public void AddCount(long count = 1) => Count += count;

    public void Reset()
    {
        Count = 0;
        Seconds = 0;
    }
}
