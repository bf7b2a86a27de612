using System.Collections.Concurrent;
using System.Numerics;

namespace Epics.Pva.Data;

/// <summary>
/// Pool of pinned byte buffers for large arrays (detector frames). Buffers are power-of-two sized and pinned, so the
/// socket layer and native code can use them without the GC moving them, and returning one makes the next frame of
/// the same size free of allocation.
/// </summary>
public sealed class FrameBufferPool
{
    /// <summary>Arrays smaller than this many bytes are ordinary GC arrays; pooling them costs more than it saves.</summary>
    public const int MinPooledBytes = 4096;

    private const int MaxBucket = 30;
    private const int MaxPooledLength = 1 << MaxBucket;

    // Small frames come in large numbers (a 64-deep monitor queue of 16 KiB images on each side), so a bucket may keep
    // more than maxPerBucket buffers as long as they total no more than this.
    private const long IdleBytesPerBucket = 64L * 1024 * 1024;

    private readonly ConcurrentBag<byte[]>?[] _buckets = new ConcurrentBag<byte[]>?[MaxBucket + 1];
    private readonly int[] _counts = new int[MaxBucket + 1];
    private readonly int _maxPerBucket;

    /// <summary>
    /// A pool keeping at most <paramref name="maxPerBucket"/> idle buffers of each size, or more small ones up to 64 MiB
    /// per size.
    /// </summary>
    public FrameBufferPool(int maxPerBucket = 16) => _maxPerBucket = maxPerBucket;

    /// <summary>The process-wide pool used by the codec.</summary>
    public static FrameBufferPool Shared { get; } = new();

    /// <summary>Buffers created because the pool had none of the size asked for (a steady stream should stop this growing).</summary>
    public long Allocations => Interlocked.Read(ref _allocations);

    private long _allocations;

    /// <summary>A pinned buffer of at least <paramref name="length"/> bytes.</summary>
    public byte[] Rent(int length)
    {
        if (length > MaxPooledLength)
        {
            // Beyond the largest power of two an int can size: an exact, unpooled buffer (Return drops it).
            Interlocked.Increment(ref _allocations);
            return GC.AllocateUninitializedArray<byte>(length, pinned: true);
        }

        var bucket = BucketOf(length);
        var bag = _buckets[bucket];
        if (bag is not null && bag.TryTake(out var buffer))
        {
            Interlocked.Decrement(ref _counts[bucket]);
            return buffer;
        }

        Interlocked.Increment(ref _allocations);
        return GC.AllocateUninitializedArray<byte>(1 << bucket, pinned: true);
    }

    /// <summary>Gives back a buffer obtained from <see cref="Rent"/>.</summary>
    public void Return(byte[] buffer)
    {
        if (!BitOperations.IsPow2(buffer.Length))
        {
            return;
        }

        var bucket = BucketOf(buffer.Length);
        if (Interlocked.Increment(ref _counts[bucket]) > Math.Max(_maxPerBucket, IdleBytesPerBucket >> bucket))
        {
            Interlocked.Decrement(ref _counts[bucket]);
            return;
        }

        var bag = _buckets[bucket] ?? Interlocked.CompareExchange(ref _buckets[bucket], new ConcurrentBag<byte[]>(), null) ?? _buckets[bucket]!;
        bag.Add(buffer);
    }

    private static int BucketOf(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var bucket = length <= 1 ? 0 : 32 - BitOperations.LeadingZeroCount((uint)length - 1);
        return bucket > MaxBucket ? throw new ArgumentOutOfRangeException(nameof(length), "buffer too large") : bucket;
    }
}
