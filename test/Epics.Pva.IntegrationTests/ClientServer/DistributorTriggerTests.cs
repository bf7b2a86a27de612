using Epics.Pva.Client;
using Epics.Pva.Data;
using Epics.Pva.Server;

namespace Epics.Pva.IntegrationTests.ClientServer;

/// <summary>
/// The distributor hands out a post only when its trigger field's value differs from the last one handed out: a
/// structure trigger (timeStamp) compares every member, a string trigger compares the text.
/// </summary>
public sealed class DistributorTriggerTests
{
    private static readonly PvType FrameType = PvType.Builder("frame_t")
        .Add("uniqueId", ScalarType.Int)
        .Add("tag", ScalarType.String)
        .AddStructure("timeStamp", "time_t", t => t.Add("secondsPastEpoch", ScalarType.Long).Add("nanoseconds", ScalarType.Int))
        .Build();

    [Fact]
    public async Task A_post_whose_structure_trigger_is_unchanged_goes_to_nobody()
    {
        // Seconds 1,1,2,2,3,3 with nanoseconds equal within a pair, except frame 4's: 1, 3, 4 and 5 are new trigger values.
        (long Seconds, int Nanos)[] stamps = [(1, 0), (1, 0), (2, 0), (2, 5), (3, 0), (3, 0)];
        var got = await RunAsync("timeStamp", id =>
        {
            var (s, n) = stamps[id - 1];
            return (u => { u["timeStamp.secondsPastEpoch"].Set(s); u["timeStamp.nanoseconds"].Set(n); });
        }, stamps.Length);
        Assert.Equal([1, 4], got[0]);
        Assert.Equal([3, 5], got[1]);
    }

    [Fact]
    public async Task A_string_trigger_compares_the_text()
    {
        string[] tags = ["a", "a", "b", "b", "a"];
        var got = await RunAsync("tag", id => (u => u["tag"].Set(tags[id - 1])), tags.Length);
        Assert.Equal([1, 5], got[0]);
        Assert.Equal([3], got[1]);
    }

    // Two round-robin clients (updates:1), each connected before the next; returns the uniqueIds each got after its
    // connect value.
    private static async Task<List<int>[]> RunAsync(string trigger, Func<int, Action<PvValue>> change, int frames)
    {
        var pv = new SharedPv(new PvValue(FrameType));
        await using var lo = await Loopback.StartAsync(s => s.AddPv("img", pv));
        var request = $"record[queueSize=20]field(_[distributor=trigger:{trigger};updates:1])";
        await using var a = lo.Client.Subscribe("img", request);
        (await a.ReadAsync(Loopback.Deadline()))!.Dispose();
        await using var b = lo.Client.Subscribe("img", request);
        (await b.ReadAsync(Loopback.Deadline()))!.Dispose();

        var update = new PvValue(FrameType);
        for (var id = 1; id <= frames; id++)
        {
            update.Changed.Clear();
            update["uniqueId"].Set(id);
            change(id)(update);
            pv.Post(update);
        }

        // Each stream ends when nothing more arrives for a while.
        return [await CollectAsync(a), await CollectAsync(b)];
    }

    private static async Task<List<int>> CollectAsync(PvaSubscription sub)
    {
        var ids = new List<int>();
        while (true)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(700));
            try
            {
                using var u = await sub.ReadAsync(cts.Token);
                ids.Add(u!.Value["uniqueId"].GetInt32());
            }
            catch (OperationCanceledException)
            {
                return ids;
            }
        }
    }
}
