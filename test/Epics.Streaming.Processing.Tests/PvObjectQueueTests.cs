using Epics.Pva.Data;

namespace Epics.Streaming.Processing.Tests;

public sealed class PvObjectQueueTests
{
    private static PvValue Object(int id)
    {
        var v = new PvValue(PvType.Builder().Add("uniqueId", ScalarType.Int).Build());
        v["uniqueId"].Set(id);
        return v;
    }

    [Fact]
    public void A_full_queue_rejects_and_counts()
    {
        var q = new PvObjectQueue(2);
        Assert.True(q.TryPut(Object(1)));
        Assert.True(q.TryPut(Object(2)));
        Assert.False(q.TryPut(Object(3)));
        Assert.True(q.TryTake(out var first));
        Assert.Equal(1, first["uniqueId"].GetInt32());
        Assert.Equal(new QueueStatistics(2, 1, 1, 1), q.Statistics);
        q.MaxLength = 0; // unlimited
        Assert.True(q.TryPut(Object(4)));
        Assert.True(q.TryPut(Object(5)));
        q.ResetStatistics();
        Assert.Equal(new QueueStatistics(0, 0, 0, 3), q.Statistics);
    }

    [Fact]
    public async Task A_take_waits_for_a_put_or_its_timeout()
    {
        var q = new PvObjectQueue();
        Assert.False(q.TryTake(TimeSpan.FromMilliseconds(50), out _));
        Assert.Equal(TimeSpan.MaxValue, q.TimeSinceLastPut);
        var taker = Task.Run(() => q.TryTake(TimeSpan.FromSeconds(10), out var v) ? v["uniqueId"].GetInt32() : -1);
        await Task.Delay(50);
        q.TryPut(Object(7));
        Assert.Equal(7, await taker.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(q.TimeSinceLastPut < TimeSpan.FromSeconds(5));
    }
}
