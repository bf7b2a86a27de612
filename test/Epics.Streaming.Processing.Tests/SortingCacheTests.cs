using Epics.Streaming.Collector;
using Epics.Streaming.Collector.Internal;

namespace Epics.Streaming.Processing.Tests;

/// <summary>The collector's sorting cache (framework.md §9.2 to §9.4) and the latency bound.</summary>
public sealed class SortingCacheTests
{
    private static readonly TimeSpan Quiet = DataCollectorOptions.ReferenceQuietPeriod;

    private sealed class ManualTime : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }

    private static List<long> Drain(SortingCache<string> cache, TimeSpan? maxWait = null)
    {
        var ids = new List<long>();
        while (cache.IsReleaseDue(Quiet, maxWait))
        {
            ids.AddRange(cache.TakeRun().Select(r => r.Id));
        }

        return ids;
    }

    [Theory]
    [InlineData(-1, 4, 40)]
    [InlineData(2, 4, 4)]
    [InlineData(10000, 4, 10000)]
    [InlineData(-1, 2, 20)]
    [InlineData(4, 4, 4)]
    [InlineData(5, 4, 5)]
    public void The_cache_size_follows_the_size_rules(int requested, int producers, int expected) =>
        Assert.Equal(expected, DataCollectorOptions.EffectiveCacheSizeFor(requested, producers));

    [Theory]
    [InlineData(-1, 40, -1)]
    [InlineData(0, 40, 0)]
    [InlineData(100, 40, 400)]
    [InlineData(2000, 40, 2000)]
    [InlineData(400, 40, 400)]
    public void The_receiver_queue_follows_the_size_rules(int requested, int cacheSize, int expected) =>
        Assert.Equal(expected, DataCollectorOptions.EffectiveReceiverQueueSizeFor(requested, cacheSize));

    [Fact]
    public void Interleaved_producers_come_out_in_id_order_once_the_cache_is_full()
    {
        var cache = new SortingCache<string>(capacity: 8);
        // Producer 1 has the odd ids, producer 2 the even ones, and 2 runs ahead.
        foreach (var id in new long[] { 2, 4, 1, 6, 3, 8, 5 })
        {
            Assert.True(cache.Add(id, $"p{2 - (id % 2)}"));
        }

        Assert.Empty(Drain(cache)); // 7 < 8 cached, not quiet yet
        cache.Add(7, "p1");
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], Drain(cache));
        Assert.Equal(new CacheStatistics(8, 0, 0, 0, 0), cache.Statistics);
    }

    [Fact]
    public void A_run_stops_at_the_first_gap_and_the_gap_is_counted_as_missed_when_released()
    {
        var time = new ManualTime();
        var cache = new SortingCache<string>(capacity: 4, timeProvider: time);
        foreach (var id in new long[] { 1, 2, 4, 5 })
        {
            cache.Add(id, "x");
        }

        Assert.Equal([1, 2], cache.TakeRun().Select(r => r.Id)); // full: one run, up to the gap
        Assert.False(cache.IsReleaseDue(Quiet, null));
        time.Advance(Quiet);
        Assert.Equal([4, 5], Drain(cache)); // quiet for 5 s: the rest goes, 3 is missed
        Assert.Equal(1, cache.Statistics.Missed);

        cache.Add(9, "x");
        time.Advance(Quiet);
        Assert.Equal([9], Drain(cache));
        Assert.Equal(4, cache.Statistics.Missed); // 6, 7 and 8
    }

    [Fact]
    public void Objects_with_the_same_id_stay_together_in_arrival_order()
    {
        var cache = new SortingCache<string>(capacity: 8);
        foreach (var (id, tile) in new (long, string)[] { (1, "a"), (2, "a"), (1, "b"), (2, "b"), (1, "c"), (1, "d"), (2, "c"), (2, "d") })
        {
            cache.Add(id, tile);
        }

        var run = cache.TakeRun();
        Assert.Equal([(1, "a"), (1, "b"), (1, "c"), (1, "d"), (2, "a"), (2, "b"), (2, "c"), (2, "d")], run.Select(r => (r.Id, r.Item)));
        Assert.Equal(0, cache.Statistics.Missed);
    }

    [Fact]
    public void A_late_object_is_rejected_while_others_wait()
    {
        var cache = new SortingCache<string>(capacity: 2);
        cache.Add(1, "x");
        cache.Add(2, "x");
        Assert.Equal([1, 2], Drain(cache));
        cache.Add(4, "x");
        Assert.False(cache.Add(2, "late")); // 2 was handed out, 4 waits: too late
        Assert.False(cache.Add(1, "late"));
        Assert.Equal(2, cache.Statistics.Rejected);
        Assert.Equal(1, cache.Count);
        Assert.True(cache.Add(3, "x")); // above the last handed out: in time
        Assert.Equal([3, 4], cache.TakeRun().Select(r => r.Id));
    }

    [Fact]
    public void An_old_id_at_an_empty_cache_is_a_restart_not_a_rejection()
    {
        var cache = new SortingCache<string>(capacity: 2);
        foreach (var id in new long[] { 100, 101 })
        {
            cache.Add(id, "x");
        }

        Assert.Equal([100, 101], Drain(cache));
        Assert.True(cache.Add(1, "new run"));
        Assert.True(cache.Add(2, "new run"));
        Assert.Equal([1, 2], Drain(cache));
        var s = cache.Statistics;
        Assert.Equal((1L, 0L, 0L, 4L), (s.Restarts, s.Rejected, s.Missed, s.Collected));
    }

    [Fact]
    public void The_reference_rule_holds_a_slow_stream_until_the_quiet_period()
    {
        var time = new ManualTime();
        var cache = new SortingCache<string>(capacity: 40, timeProvider: time);
        for (var id = 1; id <= 5; id++)
        {
            cache.Add(id, "x");
            time.Advance(TimeSpan.FromSeconds(1)); // one object a second keeps the cache from being quiet
        }

        Assert.Empty(Drain(cache));
        Assert.Equal(TimeSpan.FromSeconds(4), cache.TimeUntilRelease(Quiet, null));
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal([1, 2, 3, 4, 5], Drain(cache));
    }

    [Fact]
    public void The_latency_bound_releases_an_object_that_waited_the_maximum()
    {
        var time = new ManualTime();
        var maxWait = TimeSpan.FromMilliseconds(100);
        var cache = new SortingCache<string>(capacity: 40, timeProvider: time);
        cache.Add(2, "x");
        time.Advance(TimeSpan.FromMilliseconds(30));
        cache.Add(1, "x"); // out of order, within the bound: sorted
        Assert.Equal(TimeSpan.FromMilliseconds(70), cache.TimeUntilRelease(Quiet, maxWait));
        Assert.Empty(Drain(cache, maxWait));
        time.Advance(TimeSpan.FromMilliseconds(70));
        Assert.Equal([1, 2], Drain(cache, maxWait));

        // A gap is waited for only as long as the bound: 4 goes out 100 ms after it came, 3 counts as missed.
        cache.Add(4, "x");
        time.Advance(TimeSpan.FromMilliseconds(99));
        Assert.Empty(Drain(cache, maxWait));
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal([4], Drain(cache, maxWait));
        Assert.Equal(1, cache.Statistics.Missed);
        Assert.Null(cache.TimeUntilRelease(Quiet, maxWait)); // empty
    }

    [Fact]
    public void The_latency_bound_counts_from_the_oldest_object_not_the_smallest_id()
    {
        var time = new ManualTime();
        var maxWait = TimeSpan.FromMilliseconds(100);
        var cache = new SortingCache<string>(capacity: 40, timeProvider: time);
        cache.Add(5, "x");
        time.Advance(TimeSpan.FromMilliseconds(80));
        cache.Add(3, "x");
        time.Advance(TimeSpan.FromMilliseconds(20));
        Assert.Equal([3], cache.TakeRun().Select(r => r.Id)); // 5 waited 100 ms: 3 goes first, then 5 (4 missed)
        Assert.True(cache.IsReleaseDue(Quiet, maxWait));
        Assert.Equal([5], Drain(cache, maxWait));
        Assert.Equal(1, cache.Statistics.Missed);
    }

    [Fact]
    public void A_release_due_to_the_latency_bound_does_not_split_the_tiles_of_a_frame_still_arriving()
    {
        var time = new ManualTime();
        var maxWait = TimeSpan.FromMilliseconds(100);
        var cache = new SortingCache<string>(capacity: 40, timeProvider: time);
        cache.Add(1, "a");
        cache.Add(1, "b");
        time.Advance(TimeSpan.FromMilliseconds(95));
        cache.Add(2, "a"); // frame 2's first tile; its second is 10 ms behind, through another producer
        time.Advance(TimeSpan.FromMilliseconds(5));
        Assert.True(cache.IsReleaseDue(Quiet, maxWait));
        Assert.Equal([1, 1], cache.TakeDueRun(Quiet, maxWait).Select(r => r.Id)); // 2 has waited 5 ms: held back
        Assert.False(cache.IsReleaseDue(Quiet, maxWait));
        time.Advance(TimeSpan.FromMilliseconds(5));
        Assert.True(cache.Add(2, "b")); // not rejected
        time.Advance(TimeSpan.FromMilliseconds(90));
        Assert.Equal(["a", "b"], cache.TakeDueRun(Quiet, maxWait).Select(r => r.Item));
        Assert.Equal(0, cache.Statistics.Rejected);
    }

    [Fact]
    public void A_full_or_quiet_cache_releases_the_whole_run_even_with_the_latency_bound()
    {
        var time = new ManualTime();
        var maxWait = TimeSpan.FromSeconds(10);
        var cache = new SortingCache<string>(capacity: 3, timeProvider: time);
        cache.Add(1, "x");
        cache.Add(2, "x");
        cache.Add(3, "x"); // full: the reference's rule, everything consecutive at once
        Assert.Equal([1, 2, 3], cache.TakeDueRun(Quiet, maxWait).Select(r => r.Id));
        cache.Add(4, "x");
        time.Advance(Quiet);
        Assert.Equal([4], cache.TakeDueRun(Quiet, maxWait).Select(r => r.Id));
    }

    [Fact]
    public void Reset_zeroes_the_counters_and_forgets_the_last_id()
    {
        var cache = new SortingCache<string>(capacity: 1);
        cache.Add(1, "x");
        Drain(cache);
        cache.Add(5, "x");
        Drain(cache);
        cache.ResetStatistics();
        Assert.Equal(default, cache.Statistics);
        cache.Add(9, "x");
        Drain(cache);
        Assert.Equal(0, cache.Statistics.Missed); // no last id to count the gap from
    }

    [Fact]
    public void Four_producers_drifting_apart_less_than_the_cache_come_out_sorted_and_complete()
    {
        // The mirror -> 4 consumers (-du 1) -> collector case: every id once, from whichever producer had it.
        var random = new Random(14);
        var queues = Enumerable.Range(0, 4).Select(p => new Queue<long>(Enumerable.Range(0, 250).Select(i => (long)(4 * i) + p + 1))).ToList();
        var cache = new SortingCache<string>(capacity: 40);
        var output = new List<long>();
        while (queues.Any(q => q.Count > 0))
        {
            var q = queues[random.Next(4)];
            if (q.Count > 0 && queues.All(o => o.Count <= q.Count + 7)) // a producer runs at most 8 objects ahead of the slowest
            {
                Assert.True(cache.Add(q.Dequeue(), "x"));
                output.AddRange(Drain(cache));
            }
        }

        while (cache.Count > 0)
        {
            output.AddRange(cache.TakeRun().Select(r => r.Id));
        }

        Assert.Equal(Enumerable.Range(1, 1000).Select(i => (long)i), output);
        Assert.Equal(new CacheStatistics(1000, 0, 0, 0, 0), cache.Statistics);
    }

    [Fact]
    public void The_tiles_of_each_frame_in_any_producer_order_come_out_together()
    {
        // The split -> 4 consumers -> stitching collector case: each frame's 4 tiles arrive in any order before the next frame's.
        var random = new Random(41);
        var cache = new SortingCache<string>(capacity: 40);
        var output = new List<(long, string)>();
        for (var frame = 1; frame <= 300; frame++)
        {
            foreach (var tile in Enumerable.Range(0, 4).OrderBy(_ => random.Next()))
            {
                Assert.True(cache.Add(frame, $"t{tile}"));
                output.AddRange(DrainItems(cache));
            }
        }

        Assert.Equal(1200, output.Count);
        Assert.Equal(Enumerable.Range(1, 300).SelectMany(f => Enumerable.Repeat((long)f, 4)), output.Select(o => o.Item1));
        Assert.All(output.Chunk(4), tiles => Assert.Equal(4, tiles.Select(t => t.Item2).Distinct().Count()));
        Assert.Equal(0, cache.Statistics.Rejected);
    }

    private static List<(long, string)> DrainItems(SortingCache<string> cache)
    {
        var items = new List<(long, string)>();
        while (cache.IsReleaseDue(Quiet, null))
        {
            items.AddRange(cache.TakeRun().Select(r => (r.Id, r.Item)));
        }

        return items;
    }
}
