using System.Diagnostics;
using Epics.Pva.Data;

namespace Epics.Pva.Throughput;

/// <summary>What one process reports about the measured window (counters are deltas over it).</summary>
internal sealed record RoleResult
{
    public string Role { get; init; } = string.Empty;

    public double Seconds { get; init; }

    public long Frames { get; init; }

    public long Bytes { get; init; }

    /// <summary>Monitor updates received over the window by all subscriptions (client only).</summary>
    public long Updates { get; init; }

    /// <summary>Frames missing from the uniqueId sequence (client only).</summary>
    public long Lost { get; init; }

    public double CpuSeconds { get; init; }

    /// <summary>The kernel's part of <see cref="CpuSeconds"/> (system calls: the socket copies and TCP on loopback).</summary>
    public double KernelCpuSeconds { get; init; }

    /// <summary>CPU of the producer's thread inside <c>SharedPv.Post</c>, per posted frame (server only; negative if not measured).</summary>
    public double PostCpuMicroseconds { get; init; } = -1;

    public int Gen0 { get; init; }

    public int Gen1 { get; init; }

    public int Gen2 { get; init; }

    public long AllocatedBytes { get; init; }

    /// <summary>Frame buffers the pool had to create during the window (0 = every frame reused a buffer).</summary>
    public long PoolAllocations { get; init; }

    /// <summary>Buffers rented from the shared frame pool during the window, and their total bytes.</summary>
    public long PoolRents { get; init; }

    public long PoolBytesRented { get; init; }

    /// <summary>The shared pool's pinned bytes (rented plus idle) and idle bytes at the end of the window.</summary>
    public long PoolPinnedBytes { get; init; }

    public long PoolIdleBytes { get; init; }

    public long WorkingSetStart { get; init; }

    public long WorkingSetEnd { get; init; }

    public long WorkingSetPeak { get; init; }

    public long WorkItems { get; init; }

    public long LockContentions { get; init; }

    public int Threads { get; init; }

    public string Note { get; init; } = string.Empty;

    /// <summary>Gen2, LOH and POH sizes at the start and end of the window and what the last full collection in it was.</summary>
    public string GcNote { get; init; } = string.Empty;
}

/// <summary>
/// Samples this process: CPU time, GC counts, bytes allocated by every thread (GC.GetTotalAllocatedBytes), the shared
/// frame pool's counters, working set (peak sampled every 100 ms).
/// </summary>
internal sealed class ProcessStats : IDisposable
{
    private readonly Process _process = Process.GetCurrentProcess();
    private readonly Timer _timer;
    private long _start;
    private TimeSpan _cpu;
    private TimeSpan _kernelCpu;
    private int _gen0;
    private int _gen1;
    private int _gen2;
    private long _allocated;
    private FrameBufferPoolStatistics _pool;
    private long _wsStart;
    private long _wsPeak;
    private long _workItems;
    private long _contentions;
    private string _heapsAtMark = string.Empty;

    public ProcessStats() => _timer = new Timer(_ => Sample(), null, Timeout.Infinite, Timeout.Infinite);

    /// <summary>Starts the measured window.</summary>
    public void Mark()
    {
        _process.Refresh();
        _cpu = _process.TotalProcessorTime;
        _kernelCpu = _process.PrivilegedProcessorTime;
        _gen0 = GC.CollectionCount(0);
        _gen1 = GC.CollectionCount(1);
        _gen2 = GC.CollectionCount(2);
        _allocated = GC.GetTotalAllocatedBytes(precise: true);
        _pool = FrameBufferPool.Shared.Statistics;
        _wsStart = Environment.WorkingSet;
        Interlocked.Exchange(ref _wsPeak, _wsStart);
        _workItems = ThreadPool.CompletedWorkItemCount;
        _contentions = Monitor.LockContentionCount;
        _heapsAtMark = Heaps(GC.GetGCMemoryInfo(GCKind.Any));
        _start = Stopwatch.GetTimestamp();
        _timer.Change(100, 100);
    }

    /// <summary>Ends the window and fills the counters of <paramref name="result"/>.</summary>
    public RoleResult Finish(RoleResult result)
    {
        var seconds = Stopwatch.GetElapsedTime(_start).TotalSeconds;
        _timer.Change(Timeout.Infinite, Timeout.Infinite);
        Sample();
        _process.Refresh();
        var pool = FrameBufferPool.Shared.Statistics;
        return result with
        {
            Seconds = seconds,
            CpuSeconds = (_process.TotalProcessorTime - _cpu).TotalSeconds,
            KernelCpuSeconds = (_process.PrivilegedProcessorTime - _kernelCpu).TotalSeconds,
            Gen0 = GC.CollectionCount(0) - _gen0,
            Gen1 = GC.CollectionCount(1) - _gen1,
            Gen2 = GC.CollectionCount(2) - _gen2,
            AllocatedBytes = GC.GetTotalAllocatedBytes(precise: true) - _allocated,
            PoolAllocations = pool.Allocations - _pool.Allocations,
            PoolRents = pool.Rents - _pool.Rents,
            PoolBytesRented = pool.BytesRented - _pool.BytesRented,
            PoolPinnedBytes = pool.PinnedBytes,
            PoolIdleBytes = pool.IdleBytes,
            WorkingSetStart = _wsStart,
            WorkingSetEnd = Environment.WorkingSet,
            WorkingSetPeak = Interlocked.Read(ref _wsPeak),
            WorkItems = ThreadPool.CompletedWorkItemCount - _workItems,
            LockContentions = Monitor.LockContentionCount - _contentions,
            Threads = ThreadPool.ThreadCount,
            GcNote = GcNote(GC.CollectionCount(2) - _gen2),
        };
    }

    // Which heap grew (gen2 by promotion, LOH, POH by pinned buffers) tells what brought a gen2 collection on.
    private string GcNote(int gen2Collections)
    {
        var text = $"heaps MB gen2/LOH/POH at start {_heapsAtMark}, at end {Heaps(GC.GetGCMemoryInfo(GCKind.Any))}";
        if (gen2Collections == 0)
        {
            return text;
        }

        var background = GC.GetGCMemoryInfo(GCKind.Background);
        var blocking = GC.GetGCMemoryInfo(GCKind.FullBlocking);
        var last = background.Index > blocking.Index ? background : blocking;
        return text + $"; last gen2: #{last.Index} {(last.Concurrent ? "background" : "blocking")}, promoted {last.PromotedBytes / 1048576.0:F1} MB, " +
            $"pinned objects {last.PinnedObjectsCount}, heap {last.HeapSizeBytes / 1048576.0:F1} MB, fragmented {last.FragmentedBytes / 1048576.0:F1} MB, " +
            $"sizes before→after gen2 {Mb(last.GenerationInfo[2].SizeBeforeBytes)}→{Mb(last.GenerationInfo[2].SizeAfterBytes)}, " +
            $"LOH {Mb(last.GenerationInfo[3].SizeBeforeBytes)}→{Mb(last.GenerationInfo[3].SizeAfterBytes)}, POH {Mb(last.GenerationInfo[4].SizeBeforeBytes)}→{Mb(last.GenerationInfo[4].SizeAfterBytes)}";
    }

    private static string Heaps(GCMemoryInfo info) =>
        info.GenerationInfo.Length < 5 ? "n/a" : $"{Mb(info.GenerationInfo[2].SizeAfterBytes)}/{Mb(info.GenerationInfo[3].SizeAfterBytes)}/{Mb(info.GenerationInfo[4].SizeAfterBytes)}";

    private static string Mb(long bytes) => (bytes / 1048576.0).ToString("F1", System.Globalization.CultureInfo.InvariantCulture);

    public void Dispose() => _timer.Dispose();

    private void Sample()
    {
        var ws = Environment.WorkingSet;
        long seen;
        while (ws > (seen = Interlocked.Read(ref _wsPeak)) && Interlocked.CompareExchange(ref _wsPeak, ws, seen) != seen)
        {
        }
    }
}
