using Epics.Pva.Data;

namespace Epics.Pva.Tests.Data;

public sealed class FrameBufferPoolTests
{
    [Fact]
    public void A_returned_buffer_is_rented_again_without_a_new_allocation()
    {
        var pool = new FrameBufferPool();
        var a = pool.Rent(5000);
        Assert.Equal(8192, a.Length);
        pool.Return(a);
        var b = pool.Rent(8000);
        Assert.Same(a, b);
        Assert.Equal(1, pool.Allocations);
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
}
