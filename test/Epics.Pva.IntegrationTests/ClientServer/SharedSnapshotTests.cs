using Epics.Pva.Client;
using Epics.Pva.Data;
using Epics.Pva.Server;

namespace Epics.Pva.IntegrationTests.ClientServer;

/// <summary>
/// A post's value is copied once and that copy is shared by every subscriber's queue entry: what a queued entry sends
/// is the value of its own post, whatever later posts (or another subscriber's squashes) do meanwhile.
/// </summary>
public sealed class SharedSnapshotTests
{
    private static readonly PvType FrameType = PvType.Builder("frame_t")
        .Add("uniqueId", ScalarType.Int)
        .Add("tag", ScalarType.String)
        .AddArray("data", ScalarType.Int)
        .Build();

    [Fact]
    public async Task Queued_entries_send_their_own_post_while_later_posts_change_the_pv_and_squash_another_queue()
    {
        var pv = new SharedPv(new PvValue(FrameType));
        await using var lo = await Loopback.StartAsync(s => s.AddPv("img", pv));

        // Pipelined and not read: each takes its window, then queues. The small queue squashes, the large one keeps all.
        await using var keeper = lo.Client.Subscribe("img", "record[queueSize=16,pipeline=true]field()");
        await using var squasher = lo.Client.Subscribe("img", "record[queueSize=2,pipeline=true]field()");
        await WaitUntilAsync(() => pv.Subscribers is [{ Sent: 1 }, { Sent: 1 }]);

        const int frames = 30;
        var update = new PvValue(FrameType);
        for (var id = 1; id <= frames; id++)
        {
            update.Changed.Clear();
            update["uniqueId"].Set(id);
            update["tag"].Set($"frame {id}");
            update["data"].Set<int>([id, id * 2, id * 3]);
            pv.Post(update);
        }

        var stats = pv.Subscribers;
        Assert.True(stats[0].Queued > 0, "the keeper's entries were all sent before the later posts");
        Assert.True(stats[1].Squashed > 0, "the squasher never squashed");

        var kept = await ReadAllAsync(keeper, frames);
        Assert.Equal(Enumerable.Range(0, frames + 1), kept);

        var squashed = await ReadAllAsync(squasher, frames);
        Assert.Equal(frames, squashed[^1]);
    }

    // Reads until uniqueId last; checks each update's fields belong to its own post; returns the uniqueIds.
    private static async Task<List<int>> ReadAllAsync(PvaSubscription sub, int last)
    {
        var ids = new List<int>();
        var deadline = Loopback.Deadline();
        while (ids.Count == 0 || ids[^1] != last)
        {
            using var u = await sub.ReadAsync(deadline);
            var id = u!.Value["uniqueId"].GetInt32();
            ids.Add(id);
            Assert.Equal(id == 0 ? "" : $"frame {id}", u.Value["tag"].GetString());
            var data = u.Value["data"].GetArray().AsSpan<int>().ToArray();
            Assert.Equal(id == 0 ? [] : new[] { id, id * 2, id * 3 }, data);
        }

        return ids;
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
