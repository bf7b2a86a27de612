using Epics.Pva.Data;
using Microsoft.Extensions.Time.Testing;

namespace Epics.Pva.Tests.Data;

public sealed class FrameBufferPoolTests
{
    [Fact]
    public void A_returned_buffer_is_rented_again_without_a_new_allocation()
    {
        var pool = new FrameBufferPool();
        var a = pool.Rent(5000);
        Assert.Equal(5120, a.Length);
        pool.Return(a);
        var b = pool.Rent(5100);
        Assert.Same(a, b);
        Assert.Equal(1, pool.Allocations);
    }

    [Theory]
    [InlineData(1024 * 1024)]
    [InlineData(2048 * 2048)]
    [InlineData(4096 * 4096)]
    public void A_detector_frame_message_gets_a_buffer_within_5_percent_of_its_size_and_reuses_it_exactly(int frameBytes)
    {
        // A received NTNDArray message: the image plus a few hundred bytes of header, dimensions and attributes.
        var message = frameBytes + 700;
        var pool = new FrameBufferPool();
        var first = pool.Rent(message);
        Assert.InRange(first.Length, message, (int)(frameBytes * 1.05));
        pool.Return(first);
        for (var i = 0; i < 3; i++)
        {
            var again = pool.Rent(message);
            Assert.Same(first, again);
            pool.Return(again);
        }

        Assert.Equal(1, pool.Allocations);
        Assert.Equal(4, pool.Statistics.Rents);
        Assert.Equal(3, pool.Statistics.Reuses);
    }

    [Fact]
    public void Every_length_gets_a_buffer_at_most_one_32nd_larger()
    {
        foreach (var length in new[] { 64, 65, 100, 4095, 4096, 4097, 65535, 65537, 1_000_000, 1 << 20, (1 << 20) + 1, (1 << 30) - 1, 1 << 30 })
        {
            var size = FrameBufferPool.BufferLength(length);
            Assert.InRange(size, length, length + (length / 32) + 1);
        }

        Assert.Equal(64, FrameBufferPool.BufferLength(1));
    }

    [Fact]
    public void Small_buffers_are_kept_beyond_max_per_bucket_so_a_deep_queue_recycles()
    {
        // 64 x 16 KiB in flight (a monitor queue of small frames), all returned, then all rented again.
        var pool = new FrameBufferPool(maxPerBucket: 16);
        var buffers = Enumerable.Range(0, 64).Select(_ => pool.Rent(16384)).ToList();
        buffers.ForEach(pool.Return);
        var again = Enumerable.Range(0, 64).Select(_ => pool.Rent(16384)).ToList();
        Assert.Equal(64, pool.Allocations);
        Assert.Equal(64, again.Distinct().Count());
    }

    [Fact]
    public void Large_buffers_keep_at_most_max_per_bucket()
    {
        var pool = new FrameBufferPool(maxPerBucket: 2);
        var buffers = Enumerable.Range(0, 4).Select(_ => pool.Rent(32 * 1024 * 1024)).ToList();
        buffers.ForEach(pool.Return);
        _ = Enumerable.Range(0, 4).Select(_ => pool.Rent(32 * 1024 * 1024)).ToList();
        Assert.Equal(6, pool.Allocations);
    }

    [Fact]
    public void Idle_bytes_over_the_cap_release_the_longest_idle_buffers_first()
    {
        var time = new FakeTimeProvider();
        var pool = new FrameBufferPool(maxIdleBytes: 3 * 1024 * 1024, timeProvider: time);
        var old = pool.Rent(1024 * 1024);
        var sizes = new[] { 1024 * 1024, 1024 * 1024, 2 * 1024 * 1024 };
        var others = sizes.Select(pool.Rent).ToList();
        pool.Return(old);
        time.Advance(TimeSpan.FromSeconds(1));
        pool.Return(others[0]);
        pool.Return(others[1]);
        Assert.Equal(3 * 1024 * 1024, pool.Statistics.IdleBytes);

        // 2 MiB more would make 5: the two oldest 1 MiB buffers go, the newest stays.
        pool.Return(others[2]);
        var s = pool.Statistics;
        Assert.Equal(3 * 1024 * 1024, s.IdleBytes);
        Assert.Equal(2, s.IdleBuffers);
        Assert.Equal(2, s.Released);
        Assert.Same(others[1], pool.Rent(1024 * 1024));
    }

    [Fact]
    public void Trimming_returns_the_memory_of_buffers_idle_longer_than_the_timeout()
    {
        var time = new FakeTimeProvider();
        var pool = new FrameBufferPool(idleTimeout: TimeSpan.FromSeconds(10), timeProvider: time);
        var stale = pool.Rent(4 * 1024 * 1024);
        var fresh = pool.Rent(4 * 1024 * 1024);
        pool.Return(stale);
        time.Advance(TimeSpan.FromSeconds(6));
        pool.Return(fresh);
        Assert.Equal(2 * FrameBufferPool.BufferLength(4 * 1024 * 1024), pool.Statistics.PinnedBytes);

        // The pool's own timer trims: after 12 s the first buffer has idled 12 s, the second only 6.
        time.Advance(TimeSpan.FromSeconds(6));
        var s = pool.Statistics;
        Assert.Equal(1, s.IdleBuffers);
        Assert.Equal(4 * 1024 * 1024, s.IdleBytes);
        Assert.Equal(1, s.Released);

        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(0, pool.Statistics.PinnedBytes);
        Assert.Equal(0, pool.Trim(TimeSpan.Zero));

        // Released buffers are gone for good: the next rent allocates.
        _ = pool.Rent(4 * 1024 * 1024);
        Assert.Equal(3, pool.Allocations);
    }

    [Fact]
    public void Trim_with_zero_releases_every_idle_buffer_and_reports_the_bytes()
    {
        var pool = new FrameBufferPool(idleTimeout: Timeout.InfiniteTimeSpan);
        var a = pool.Rent(100_000);
        var b = pool.Rent(1_000_000);
        pool.Return(a);
        pool.Return(b);
        Assert.Equal(a.Length + b.Length, pool.Trim(TimeSpan.Zero));
        Assert.Equal(0, pool.Statistics.IdleBytes);
    }

    [Fact]
    public void Statistics_add_up_over_a_mixed_workload()
    {
        var pool = new FrameBufferPool(maxPerBucket: 2, maxIdleBytes: 8 * 1024 * 1024, idleTimeout: Timeout.InfiniteTimeSpan);
        var random = new Random(12);
        var out_ = new List<byte[]>();
        for (var i = 0; i < 2000; i++)
        {
            if (out_.Count > 0 && random.Next(2) == 0)
            {
                var k = random.Next(out_.Count);
                pool.Return(out_[k]);
                out_.RemoveAt(k);
            }
            else
            {
                out_.Add(pool.Rent(random.Next(4096, 3 * 1024 * 1024)));
            }

            if (i % 500 == 499)
            {
                pool.Trim(TimeSpan.Zero);
            }
        }

        var s = pool.Statistics;
        Assert.Equal(out_.Count, s.Rents - s.Returns);
        Assert.Equal(s.Allocations - s.Released, s.IdleBuffers + (s.Rents - s.Returns));
        Assert.Equal(out_.Sum(b => (long)b.Length), s.RentedBytes);
        Assert.InRange(s.IdleBytes, 0, 8 * 1024 * 1024);
        Assert.True(s.Reuses > 0);
        Assert.True(s.BytesRented >= s.RentedBytes);
    }

    [Fact]
    public void A_buffer_the_pool_never_hands_out_is_ignored()
    {
        var pool = new FrameBufferPool();
        pool.Return(new byte[5001]);
        Assert.Equal(default, pool.Statistics);
    }
}
