using Epics.Pva.Client;
using Epics.Pva.Data;
using Epics.Pva.Server;

namespace Epics.Pva.IntegrationTests.ClientServer;

public class DistributorTests
{
    private static readonly PvType FrameType = PvType.Builder("frame_t").Add("uniqueId", ScalarType.Int).Add("value", ScalarType.Double).Build();

    private static async Task<List<int>[]> RunAsync(string[] requests, int frames)
    {
        var pv = new SharedPv(new PvValue(FrameType));
        await using var lo = await Loopback.StartAsync(s => s.AddPv("img", pv));
        var subs = new List<PvaSubscription>();
        var received = requests.Select(_ => new List<int>()).ToArray();
        foreach (var r in requests)
        {
            var sub = lo.Client.Subscribe("img", r);
            subs.Add(sub);
            // Connect one at a time so that "first connected, first served" has a defined order.
            var first = await sub.ReadAsync(Loopback.Deadline());
            received[subs.Count - 1].Add(first!.Value["uniqueId"].GetInt32());
        }

        var update = new PvValue(FrameType);
        for (var id = 1; id <= frames; id++)
        {
            update.Changed.Clear();
            update["uniqueId"].Set(id);
            pv.Post(update);
        }

        // Every frame goes to exactly the clients the algorithm picks; gather until all frames are accounted for.
        var deadline = DateTime.UtcNow + Loopback.Timeout;
        var tasks = subs.Select(async (s, i) =>
        {
            while (true)
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(700));
                try
                {
                    using var u = await s.ReadAsync(cts.Token);
                    received[i].Add(u!.Value["uniqueId"].GetInt32());
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });
        await Task.WhenAll(tasks).WaitAsync(Loopback.Timeout);
        foreach (var s in subs)
        {
            await s.DisposeAsync();
        }

        return received;
    }

    [Fact]
    public async Task A_client_gets_the_fields_changed_by_posts_that_went_to_others()
    {
        // The first frame sets "value" (as a detector's first frame sets the dimensions) and goes to client 1 only;
        // the later frames change only uniqueId. Client 2 must still see the value: the distributor skipping a post
        // for it is a squash into its next update, never a lost field.
        var pv = new SharedPv(new PvValue(FrameType));
        await using var lo = await Loopback.StartAsync(s => s.AddPv("img", pv));
        const string Request = "record[queueSize=20]field(_[distributor=trigger:uniqueId;updates:1])";
        var one = lo.Client.Subscribe("img", Request);
        (await one.ReadAsync(Loopback.Deadline()))!.Dispose();
        var two = lo.Client.Subscribe("img", Request);
        (await two.ReadAsync(Loopback.Deadline()))!.Dispose();

        var update = new PvValue(FrameType);
        update["uniqueId"].Set(1);
        update["value"].Set(42.5);
        pv.Post(update);
        for (var id = 2; id <= 4; id++)
        {
            update.Changed.Clear();
            update["uniqueId"].Set(id);
            pv.Post(update);
        }

        using (var first = await one.ReadAsync(Loopback.Deadline()))
        {
            Assert.Equal((1, 42.5), (first!.Value["uniqueId"].GetInt32(), first.Value["value"].GetDouble()));
        }

        using (var second = await two.ReadAsync(Loopback.Deadline()))
        {
            Assert.Equal((2, 42.5), (second!.Value["uniqueId"].GetInt32(), second.Value["value"].GetDouble()));
            Assert.True(second.Changed.Get(second.Value.Type.OffsetOf("value")), "the skipped post's field is marked changed");
        }

        using (var fourth = await two.ReadAsync(Loopback.Deadline()))
        {
            Assert.Equal(4, fourth!.Value["uniqueId"].GetInt32());
            Assert.False(fourth.Changed.Get(fourth.Value.Type.OffsetOf("value")), "nothing changed it since");
        }

        await one.DisposeAsync();
        await two.DisposeAsync();
    }

    [Fact]
    public async Task Three_clients_take_turns_with_updates_1()
    {
        var r = await RunAsync(Enumerable.Repeat("record[queueSize=20]field(_[distributor=trigger:uniqueId;updates:1])", 3).ToArray(), 9);
        Assert.Equal([0, 1, 4, 7], r[0]);
        Assert.Equal([0, 2, 5, 8], r[1]);
        Assert.Equal([0, 3, 6, 9], r[2]);
    }

    [Fact]
    public async Task Two_sets_in_mode_all_share_blocks_of_updates()
    {
        var a = "record[queueSize=20]field(_[pydistributor=set:A;trigger:uniqueId;updates:3])";
        var b = "record[queueSize=20]field(_[pydistributor=set:B;trigger:uniqueId;updates:3])";
        var r = await RunAsync([a, a, b, b], 12);
        Assert.Equal([0, 1, 2, 3, 7, 8, 9], r[0]);
        Assert.Equal([0, 1, 2, 3, 7, 8, 9], r[1]);
        Assert.Equal([0, 4, 5, 6, 10, 11, 12], r[2]);
        Assert.Equal([0, 4, 5, 6, 10, 11, 12], r[3]);
    }

    [Fact]
    public async Task Independent_groups_do_not_disturb_each_other()
    {
        var g1 = "record[queueSize=20]field(_[distributor=group:G1;trigger:uniqueId;updates:1])";
        var g2 = "record[queueSize=20]field(_[distributor=group:G2;trigger:uniqueId;updates:3])";
        var r = await RunAsync([g1, g1, g2, g2], 12);
        Assert.Equal([0, 1, 3, 5, 7, 9, 11], r[0]);
        Assert.Equal([0, 2, 4, 6, 8, 10, 12], r[1]);
        Assert.Equal([0, 1, 2, 3, 7, 8, 9], r[2]);
        Assert.Equal([0, 4, 5, 6, 10, 11, 12], r[3]);
    }

    [Fact]
    public async Task Updates_0_disables_the_filter()
    {
        var r = await RunAsync(["record[queueSize=20]field(_[distributor=updates:0;trigger:uniqueId])", "record[queueSize=20]field()"], 4);
        Assert.Equal([0, 1, 2, 3, 4], r[0]);
        Assert.Equal([0, 1, 2, 3, 4], r[1]);
    }
}
