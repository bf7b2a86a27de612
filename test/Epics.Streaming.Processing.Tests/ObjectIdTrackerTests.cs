namespace Epics.Streaming.Processing.Tests;

/// <summary>Every formula of framework.md §5 and its worked examples.</summary>
public sealed class ObjectIdTrackerTests
{
    private static long[] MissedPerObject(ObjectIdTracker tracker, params long[] ids) => [.. ids.Select(id => tracker.Observe(id).Missed)];

    [Fact]
    public void With_step_one_a_gap_of_g_ids_misses_g_minus_one()
    {
        var t = new ObjectIdTracker(1, 1);
        Assert.Equal([0, 0, 0, 3, 0], MissedPerObject(t, 1, 2, 3, 7, 8));
        Assert.Equal(3, t.Missed);
    }

    [Fact]
    public void Two_consumers_with_one_update_each_expect_every_second_id()
    {
        var k = ObjectIdTracker.ComputeOffset(0, distributorUpdates: 1, distributorSets: 1, consumers: 2);
        Assert.Equal(2, k);
        var odd = new ObjectIdTracker(k, 1);
        Assert.Equal([0, 0, 0, 0], MissedPerObject(odd, 1, 3, 5, 7));
        Assert.Equal([0, 1, 0], MissedPerObject(odd, 9, 13, 15)); // 11 lost
        Assert.Equal(1, odd.Missed);
    }

    [Fact]
    public void Four_consumers_in_groups_of_three_step_ten()
    {
        var k = ObjectIdTracker.ComputeOffset(0, 3, 1, 4);
        Assert.Equal(10, k);
        var t = new ObjectIdTracker(k, 3);
        Assert.Equal([0, 0, 0, 0, 0, 0, 0, 0, 0], MissedPerObject(t, 1, 2, 3, 13, 14, 15, 25, 26, 27)); // 3 -> 13 is no loss
        Assert.Equal(0, t.Missed);
        Assert.Equal([0, 1], MissedPerObject(t, 37, 39)); // a step of 2 inside a group: 38 missed
        Assert.Equal(1, t.Missed);
    }

    [Fact]
    public void A_whole_lost_group_counts_its_length_and_the_end_of_a_group_counts_too()
    {
        var t = new ObjectIdTracker(10, 3);
        Assert.Equal([0, 0, 0, 3], MissedPerObject(t, 1, 2, 3, 25)); // 13, 14, 15 lost
        var u = new ObjectIdTracker(10, 3);
        Assert.Equal([0, 0, 1], MissedPerObject(u, 1, 2, 13)); // 3, the end of the first group, lost
    }

    [Fact]
    public void Two_sets_of_three_updates_step_four()
    {
        var k = ObjectIdTracker.ComputeOffset(0, 3, distributorSets: 2, consumers: 2);
        Assert.Equal(4, k);
        var a = new ObjectIdTracker(k, 3);
        Assert.Equal([0, 0, 0, 0, 0, 0, 0, 0, 0], MissedPerObject(a, 1, 2, 3, 7, 8, 9, 13, 14, 15));
        var b = new ObjectIdTracker(k, 3);
        Assert.Equal([0, 0, 0, 0, 0, 0, 0], MissedPerObject(b, 4, 5, 6, 10, 11, 12, 16));
        Assert.Equal(0, a.Missed + b.Missed);
    }

    [Fact]
    public void Starting_in_the_middle_of_a_group_evens_out_over_the_next_groups()
    {
        var t = new ObjectIdTracker(4, 3);
        // Set A of two sets of three: first seen 8, in the middle of (7, 8, 9).
        Assert.All(MissedPerObject(t, 8, 9, 13, 14, 15, 19, 20, 21, 25, 26, 27), m => Assert.Equal(0, m));
        Assert.Equal(0, t.Missed);
    }

    [Fact]
    public void The_offset_rules()
    {
        Assert.Equal(7, ObjectIdTracker.ComputeOffset(7, 3, 2, 4)); // given wins
        Assert.Equal(1, ObjectIdTracker.ComputeOffset(0, null, 1, 4)); // no distributor
        Assert.Equal(1, ObjectIdTracker.ComputeOffset(-3, null, 1, 1));
        Assert.Equal(1, ObjectIdTracker.ComputeOffset(0, 5, 1, 1)); // one consumer: every id
        Assert.Equal(9, ObjectIdTracker.ComputeOffset(0, 4, 3, 1)); // (3 - 1) * 4 + 1
    }

    [Fact]
    public void Initial_updates_are_skipped_but_the_first_one_is_still_the_first()
    {
        var t = new ObjectIdTracker(1, 1, skipInitialUpdates: 1);
        var first = t.Observe(100);
        Assert.True(first.IsFirst);
        Assert.True(first.Skip);
        var second = t.Observe(101);
        Assert.False(second.IsFirst);
        Assert.False(second.Skip);
        Assert.Equal(101, t.FirstObjectId);
        Assert.Equal(0, t.Missed);
    }

    [Fact]
    public void Going_backwards_never_counts_and_becomes_the_reference()
    {
        var t = new ObjectIdTracker(1, 1);
        Assert.Equal([0, 0, 0, 0, 1], MissedPerObject(t, 50, 51, 3, 4, 6));
        var g = new ObjectIdTracker(10, 3);
        Assert.Equal([0, 0, 0], MissedPerObject(g, 13, 14, 2));
        Assert.Equal(0, g.Missed);
    }

    [Fact]
    public void Reset_forgets_ids_and_counts_but_not_the_remaining_skips()
    {
        var t = new ObjectIdTracker(1, 1, skipInitialUpdates: 3);
        t.Observe(1);
        t.Reset();
        Assert.Null(t.LastObjectId);
        Assert.True(t.Observe(9).IsFirst);
        Assert.Equal(1, t.SkipInitialUpdates);
    }
}
