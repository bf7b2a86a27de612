using Epics.Pva.Client;
using Epics.Pva.Data;
using Epics.Pva.Server;

namespace Epics.Pva.IntegrationTests.ClientServer;

/// <summary>
/// A full queue folds new updates into its newest entry: that entry ends with the newest value, every field changed
/// since it was queued, and an overrun bit for exactly the fields that changed more than once.
/// </summary>
public sealed class SquashTests
{
    private static readonly PvType TwoFields = PvType.Builder().Add("value", ScalarType.Int).Add("other", ScalarType.Int).Build();

    [Fact]
    public async Task Server_queue_squash_keeps_the_newest_value_and_marks_only_fields_changed_twice()
    {
        var pv = new SharedPv(new PvValue(TwoFields));
        await using var lo = await Loopback.StartAsync(s => s.AddPv("x", pv));

        // Pipelined, and the client reads nothing: once the window is used up the server queue fills and squashes.
        await using var sub = lo.Client.Subscribe("x", "record[queueSize=2,pipeline=true]field()");
        await WaitUntilAsync(() => pv.Subscribers is [{ Sent: >= 1 }]);
        var update = new PvValue(TwoFields);
        for (var i = 1; pv.Subscribers[0].Queued < 2; i++)
        {
            Assert.True(i < 100, "the server queue never filled");
            Post(pv, update, "value", i);
            await Task.Delay(10);
        }

        Post(pv, update, "other", 7);
        Post(pv, update, "value", 100);
        Post(pv, update, "value", 101);
        Assert.Equal(3, pv.Subscribers[0].Squashed);

        var last = await ReadUntilAsync(sub, 101);
        Assert.Equal(7, last.Value["other"].GetInt32());
        AssertMarks(last, changed: ["value", "other"], overrun: ["value"]);
        last.Dispose();
    }

    [Fact]
    public async Task Client_queue_squash_keeps_the_newest_value_and_marks_only_fields_changed_twice()
    {
        var pv = new SharedPv(new PvValue(TwoFields));
        await using var lo = await Loopback.StartAsync(s => s.AddPv("x", pv));

        // Not pipelined: the server sends everything, the client's queue of 2 fills (connect value, value=1) and squashes.
        await using var sub = lo.Client.Subscribe("x", "record[queueSize=2]field()");
        await WaitUntilAsync(() => sub.Statistics.Received == 1);
        var update = new PvValue(TwoFields);
        Post(pv, update, "value", 1);
        Post(pv, update, "other", 7);
        Post(pv, update, "value", 100);
        Post(pv, update, "value", 101);
        await WaitUntilAsync(() => sub.Statistics.Received == 5);
        Assert.Equal(3, sub.Statistics.Squashed);
        Assert.Equal(2, sub.Statistics.Queued);

        using (var first = await sub.ReadAsync(Loopback.Deadline()))
        {
            Assert.Equal(0, first!.Value["value"].GetInt32());
        }

        using var last = await sub.ReadAsync(Loopback.Deadline());
        Assert.Equal(101, last!.Value["value"].GetInt32());
        Assert.Equal(7, last.Value["other"].GetInt32());
        AssertMarks(last, changed: ["value", "other"], overrun: ["value"]);
    }

    private static void Post(SharedPv pv, PvValue update, string field, int value)
    {
        update.Changed.Clear();
        update[field].Set(value);
        pv.Post(update);
    }

    private static void AssertMarks(PvMonitorUpdate update, string[] changed, string[] overrun)
    {
        foreach (var name in new[] { "value", "other" })
        {
            var bit = TwoFields.OffsetOf(name);
            Assert.True(update.Changed.Get(bit) == changed.Contains(name), $"changed mark of {name}");
            Assert.True(update.Overrun.Get(bit) == overrun.Contains(name), $"overrun mark of {name}");
        }
    }

    private static async Task<PvMonitorUpdate> ReadUntilAsync(PvaSubscription sub, int value)
    {
        var deadline = Loopback.Deadline();
        while (true)
        {
            var u = await sub.ReadAsync(deadline);
            Assert.NotNull(u);
            if (u.Value["value"].GetInt32() == value)
            {
                return u;
            }

            u.Dispose();
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Loopback.Timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for the condition");
            await Task.Delay(5);
        }
    }
}
