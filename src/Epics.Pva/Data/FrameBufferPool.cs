using System.Numerics;

namespace Epics.Pva.Data;

/// <summary>
/// Pool of pinned byte buffers for large arrays (detector frames). Buffers are pinned, so the socket layer and native
/// code can use them without the GC moving them, and returning one makes the next frame of the same size free of
/// allocation. Sizes come in fine classes (32 per power of two, so a buffer is at most about 3% larger than asked
/// for): a stream of equal frames reuses the same buffers exactly, and compressed frames of varying size still share.
/// Idle buffers are bounded in total bytes and released after <see cref="IdleTimeout"/> unused.
/// </summary>
public sealed class FrameBufferPool
{
    /// <summary>Arrays smaller than this many bytes are ordinary GC arrays; pooling them costs more than it saves.</summary>
    public const int MinPooledBytes = 4096;

    /// <summary>Default cap on the bytes of idle buffers a pool keeps.</summary>
    public const long DefaultMaxIdleBytes = 256L * 1024 * 1024;

    /// <summary>Default time after which an unused idle buffer is released.</summary>
    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromSeconds(10);

    // Buffers over 1 GiB are exact and unpooled: a class size could pass Array.MaxLength, and a second such frame
    // idle in the pool is more memory than it saves.
    private const int MaxPooledLength = 1 << 30;

    // Small frames come in large numbers (a 64-deep monitor queue of 16 KiB images on each side), so a size class may
    // keep more than maxPerBucket buffers as long as they total no more than this.
    private const long IdleBytesPerClass = 64L * 1024 * 1024;

    private readonly Lock _lock = new();
    private readonly List<IdleBuffer>?[] _idle = new List<IdleBuffer>?[SizeClasses.Count];
    private readonly int _maxPerBucket;
    private readonly TimeProvider _time;
    private ITimer? _trimTimer;
    private long _rents;
    private long _returns;
    private long _allocations;
    private long _released;
    private long _bytesRented;
    private long _rentedBytes;
    private long _idleBytes;
    private int _idleBuffers;

    /// <summary>
    /// A pool keeping at most <paramref name="maxPerBucket"/> idle buffers of each size (more small ones, up to 64 MiB
    /// per size), at most <paramref name="maxIdleBytes"/> idle bytes in all (default 256 MiB), each for at most
    /// <paramref name="idleTimeout"/> unused (default 10 s; <see cref="Timeout.InfiniteTimeSpan"/> keeps them).
    /// </summary>
    public FrameBufferPool(int maxPerBucket = 16, long maxIdleBytes = DefaultMaxIdleBytes, TimeSpan? idleTimeout = null, TimeProvider? timeProvider = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxPerBucket);
        ArgumentOutOfRangeException.ThrowIfNegative(maxIdleBytes);
        _maxPerBucket = maxPerBucket;
        MaxIdleBytes = maxIdleBytes;
        IdleTimeout = idleTimeout ?? DefaultIdleTimeout;
        if (IdleTimeout != Timeout.InfiniteTimeSpan)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(IdleTimeout, TimeSpan.Zero, nameof(idleTimeout));
        }

        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The process-wide pool used by the codec and the connections.</summary>
    public static FrameBufferPool Shared { get; } = new();

    /// <summary>The most bytes of idle buffers this pool keeps; a return beyond it releases the oldest idle buffers.</summary>
    public long MaxIdleBytes { get; }

    /// <summary>How long a buffer may stay idle before the pool releases it.</summary>
    public TimeSpan IdleTimeout { get; }

    /// <summary>Buffers created because the pool had none of the size asked for (a steady stream should stop this growing).</summary>
    public long Allocations => Interlocked.Read(ref _allocations);

    /// <summary>The counters and byte totals of this pool now.</summary>
    public FrameBufferPoolStatistics Statistics
    {
        get
        {
            lock (_lock)
            {
                return new FrameBufferPoolStatistics(_rents, _returns, _allocations, _released, _bytesRented, _rentedBytes, _idleBytes, _idleBuffers);
            }
        }
    }

    /// <summary>The length of the buffer <see cref="Rent"/> hands out for <paramref name="length"/> bytes.</summary>
    public static int BufferLength(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return length > MaxPooledLength ? length : SizeClasses.SizeOf(SizeClasses.IndexOf(length));
    }

    /// <summary>A pinned buffer of at least <paramref name="length"/> bytes (at most about 3% more).</summary>
    public byte[] Rent(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length > MaxPooledLength)
        {
            var exact = GC.AllocateUninitializedArray<byte>(length, pinned: true);
            lock (_lock)
            {
                _rents++;
                Interlocked.Increment(ref _allocations);
                _bytesRented += length;
                _rentedBytes += length;
            }

            return exact;
        }

        var index = SizeClasses.IndexOf(length);
        var size = SizeClasses.SizeOf(index);
        lock (_lock)
        {
            _rents++;
            _bytesRented += size;
            _rentedBytes += size;
            if (_idle[index] is { Count: > 0 } list)
            {
                // Newest first: it is the most likely to be in cache, and the oldest are the ones trimming releases.
                var buffer = list[^1].Buffer;
                list.RemoveAt(list.Count - 1);
                _idleBytes -= size;
                _idleBuffers--;
                return buffer;
            }

            Interlocked.Increment(ref _allocations);
        }

        return GC.AllocateUninitializedArray<byte>(size, pinned: true);
    }

    /// <summary>
    /// Gives back a buffer obtained from <see cref="Rent"/> of this pool. Buffers of a length <see cref="Rent"/> never
    /// hands out are ignored.
    /// </summary>
    public void Return(byte[] buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        var length = buffer.Length;
        if (length > MaxPooledLength)
        {
            lock (_lock)
            {
                _returns++;
                _rentedBytes -= length;
                _released++;
            }

            return;
        }

        var index = SizeClasses.IndexOf(length);
        if (SizeClasses.SizeOf(index) != length)
        {
            return;
        }

        lock (_lock)
        {
            _returns++;
            _rentedBytes -= length;
            var list = _idle[index] ??= [];
            if (list.Count >= Math.Max(_maxPerBucket, IdleBytesPerClass / length) || length > MaxIdleBytes)
            {
                _released++;
                return;
            }

            if (_idleBytes + length > MaxIdleBytes)
            {
                ReleaseOldestLocked(_idleBytes + length - MaxIdleBytes);
            }

            list.Add(new IdleBuffer(buffer, _time.GetTimestamp()));
            _idleBytes += length;
            _idleBuffers++;
            if (_trimTimer is null && IdleTimeout != Timeout.InfiniteTimeSpan)
            {
                StartTrimTimerLocked();
            }
        }
    }

    /// <summary>Releases the buffers idle for at least <paramref name="idleFor"/> (all with zero); returns the bytes released.</summary>
    public long Trim(TimeSpan idleFor)
    {
        var cutoff = _time.GetTimestamp() - (long)(idleFor.TotalSeconds * _time.TimestampFrequency);
        long bytes = 0;
        lock (_lock)
        {
            for (var i = 0; i < _idle.Length; i++)
            {
                if (_idle[i] is not { Count: > 0 } list)
                {
                    continue;
                }

                // Oldest first in each list: count how many from the front are old enough.
                var n = 0;
                while (n < list.Count && list[n].ReturnedAt <= cutoff)
                {
                    n++;
                }

                if (n > 0)
                {
                    bytes += ReleaseFrontLocked(list, SizeClasses.SizeOf(i), n);
                }
            }
        }

        return bytes;
    }

    // Over the idle cap: let go of the longest-idle buffers of any size until `bytes` are freed.
    private void ReleaseOldestLocked(long bytes)
    {
        while (bytes > 0 && _idleBuffers > 0)
        {
            var oldest = -1;
            var oldestAt = long.MaxValue;
            for (var i = 0; i < _idle.Length; i++)
            {
                if (_idle[i] is { Count: > 0 } list && list[0].ReturnedAt < oldestAt)
                {
                    oldest = i;
                    oldestAt = list[0].ReturnedAt;
                }
            }

            bytes -= ReleaseFrontLocked(_idle[oldest]!, SizeClasses.SizeOf(oldest), 1);
        }
    }

    private long ReleaseFrontLocked(List<IdleBuffer> list, int size, int count)
    {
        list.RemoveRange(0, count);
        var bytes = (long)size * count;
        _idleBytes -= bytes;
        _idleBuffers -= count;
        _released += count;
        return bytes;
    }

    private void StartTrimTimerLocked()
    {
        // The timer holds the pool weakly, so a pool nobody uses any more is collected and its timer stops.
        var period = IdleTimeout / 2;
        var state = new TrimTimerState(new WeakReference<FrameBufferPool>(this));
        _trimTimer = _time.CreateTimer(static s => ((TrimTimerState)s!).Tick(), state, period, period);
        state.Timer = _trimTimer;
    }

    private readonly record struct IdleBuffer(byte[] Buffer, long ReturnedAt);

    private sealed class TrimTimerState(WeakReference<FrameBufferPool> pool)
    {
        public ITimer? Timer { get; set; }

        public void Tick()
        {
            if (pool.TryGetTarget(out var p))
            {
                p.Trim(p.IdleTimeout);
            }
            else
            {
                Timer?.Dispose();
            }
        }
    }

    // 32 classes per power of two: the class of a length is that length rounded up to a multiple of 1/32 of its
    // highest power of two, so rounding wastes at most 1/32 (3.1%) and the same frame size always lands in one class.
    private static class SizeClasses
    {
        private const int StepsLog2 = 5;
        private const int Smallest = 1 << (StepsLog2 + 1);

        public const int Count = ((30 + 1) << StepsLog2) + 1;

        public static int IndexOf(int length)
        {
            var l = (uint)Math.Max(length, Smallest);
            var octave = 31 - BitOperations.LeadingZeroCount(l);
            var stepLog2 = octave - StepsLog2;
            var steps = (int)((l + (1u << stepLog2) - 1) >> stepLog2); // 32..64
            return (octave << StepsLog2) + steps - (1 << StepsLog2);
        }

        public static int SizeOf(int index)
        {
            var octave = index >> StepsLog2;
            var steps = (index & ((1 << StepsLog2) - 1)) + (1 << StepsLog2);
            return steps << (octave - StepsLog2);
        }
    }
}

/// <summary>
/// Counters of a <see cref="FrameBufferPool"/> since it was created, and its bytes now. They add up:
/// <c>Rents - Returns</c> buffers are out, and <c>Allocations - Released</c> equals those plus <see cref="IdleBuffers"/>.
/// </summary>
/// <param name="Rents">Buffers handed out.</param>
/// <param name="Returns">Buffers given back.</param>
/// <param name="Allocations">Rents that created a buffer (the rest reused an idle one).</param>
/// <param name="Released">Buffers the pool let go: over the per-size or total idle cap, trimmed after idling, or too large to keep.</param>
/// <param name="BytesRented">Total bytes of all buffers handed out (divide by rents for the mean buffer size).</param>
/// <param name="RentedBytes">Bytes of the buffers out now.</param>
/// <param name="IdleBytes">Bytes of the idle buffers kept for reuse.</param>
/// <param name="IdleBuffers">Idle buffers kept for reuse.</param>
public readonly record struct FrameBufferPoolStatistics(
    long Rents, long Returns, long Allocations, long Released, long BytesRented, long RentedBytes, long IdleBytes, int IdleBuffers)
{
    /// <summary>Pinned bytes this pool accounts for: out on rent plus idle.</summary>
    public long PinnedBytes => RentedBytes + IdleBytes;

    /// <summary>Rents served by an idle buffer.</summary>
    public long Reuses => Rents - Allocations;
}
