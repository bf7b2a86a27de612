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
        };
    }

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
