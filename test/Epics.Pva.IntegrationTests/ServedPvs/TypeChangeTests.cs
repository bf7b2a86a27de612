using Epics.Pva.Data;
using Epics.Pva.Data.NT;
using Epics.Pva.IntegrationTests.ClientServer;
using Epics.Pva.Server;

namespace Epics.Pva.IntegrationTests.ServedPvs;

/// <summary>
/// Close() then Open() with another type: the server finishes subscriptions with ServerPv.TypeChangedStatus and our
/// client subscribes again on the new type by itself; with the same type the subscriptions just go on.
/// </summary>
public sealed class TypeChangeTests
{
    [Fact]
    public async Task A_subscription_follows_a_type_change_and_flags_it()
    {
        var pv = new SharedPv(Loopback.Counter(1));
        await using var lo = await Loopback.StartAsync(s => s.AddPv("x", pv));
        await using var sub = lo.Client.Subscribe("x");
        var connected = 0;
        sub.ConnectionChanged += (_, up) => Interlocked.Add(ref connected, up ? 1 : -100);
        using (var first = await sub.ReadAsync(Loopback.Deadline()))
        {
            Assert.False(first!.TypeChanged);
        }

        Volatile.Write(ref connected, 0); // the start raised its event before the first update
        pv.Close();
        pv.Open(Text("now a string"));
        using (var changed = await sub.ReadAsync(Loopback.Deadline()))
        {
            Assert.True(changed!.TypeChanged);
            Assert.Equal("now a string", changed.Value["value"].GetString());
            Assert.Equal(ScalarType.String, sub.Type!["value"]!.ScalarType);
        }

        var next = Text("again");
        pv.Post(next);
        using (var after = await sub.ReadAsync(Loopback.Deadline()))
        {
            Assert.False(after!.TypeChanged);
            Assert.Equal("again", after.Value["value"].GetString());
        }

        var stats = sub.Statistics;
        Assert.Equal(1, stats.TypeChanges);
        Assert.Equal(1, stats.Connects); // the same server all along: no reconnect counted or raised
        Assert.Equal(0, Volatile.Read(ref connected));
    }

    [Fact]
    public async Task Reopening_with_the_same_type_continues_the_subscription_with_the_whole_value()
    {
        var pv = new SharedPv(Loopback.Counter(1));
        await using var lo = await Loopback.StartAsync(s => s.AddPv("x", pv));
        await using var sub = lo.Client.Subscribe("x");
        Assert.NotNull(await sub.ReadAsync(Loopback.Deadline()));

        pv.Close();
        pv.Open(Loopback.Counter(2));
        using var update = await sub.ReadAsync(Loopback.Deadline());
        Assert.Equal(2, update!.Value["value"].GetInt32());
        Assert.False(update.TypeChanged);
        Assert.True(update.Changed[0] || update.Changed.AnyInRange(0, update.Value.Type.BitCount));
        Assert.Equal(0, sub.Statistics.TypeChanges);
        Assert.Equal(1, pv.SubscriberCount);
    }

    [Fact]
    public async Task Without_a_reopen_time_a_close_ends_subscriptions_at_once()
    {
        var pv = new SharedPv(Loopback.Counter(1), new ServerPvOptions { ReopenTimeout = TimeSpan.Zero });
        await using var lo = await Loopback.StartAsync(s => s.AddPv("x", pv));
        await using var sub = lo.Client.Subscribe("x");
        Assert.NotNull(await sub.ReadAsync(Loopback.Deadline()));
        pv.Close();
        using var fast = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        Assert.Null(await sub.ReadAsync(fast.Token));
    }

    [Fact]
    public async Task A_close_ends_a_subscription_after_every_update_already_handed_to_its_connection()
    {
        // Updates are encoded on the connection's send loop: the final message must still come after the ones before it.
        var pv = new SharedPv(Loopback.Counter(0), new ServerPvOptions { ReopenTimeout = TimeSpan.Zero });
        await using var lo = await Loopback.StartAsync(s => s.AddPv("x", pv));
        await using var sub = lo.Client.Subscribe("x", "record[queueSize=100]field()");
        using (var first = await sub.ReadAsync(Loopback.Deadline()))
        {
            Assert.Equal(0, first!.Value["value"].GetInt32());
        }

        var update = Loopback.Counter(0);
        for (var i = 1; i <= 50; i++)
        {
            update.Changed.Clear();
            update["value"].Set(i);
            pv.Post(update);
        }

        pv.Close();
        for (var i = 1; i <= 50; i++)
        {
            using var u = await sub.ReadAsync(Loopback.Deadline());
            Assert.NotNull(u);
            Assert.Equal(i, u.Value["value"].GetInt32());
        }

        Assert.Null(await sub.ReadAsync(Loopback.Deadline()));
    }

    [Fact]
    public async Task Gets_after_a_type_change_read_the_new_type()
    {
        var pv = new SharedPv(Loopback.Counter(4));
        await using var lo = await Loopback.StartAsync(s => s.AddPv("x", pv));
        Assert.Equal(4, (await lo.Client.GetAsync("x", cancellationToken: Loopback.Deadline()))["value"].GetInt32());
        pv.Close();
        pv.Open(Text("s"));
        Assert.Equal("s", (await lo.Client.GetAsync("x", cancellationToken: Loopback.Deadline()))["value"].GetString());
    }

    /// <summary>
    /// Two stages in one process: server A serves frames; a relay (our client) monitors A and publishes every update on
    /// an unopened SharedPv of server B (opened by the first frame, closed and reopened when the type changes); a
    /// downstream client watches B from before the first frame. A restarts with another structure and frame size; B's
    /// client keeps receiving.
    /// </summary>
    [Fact]
    public async Task A_two_stage_chain_survives_an_upstream_type_change()
    {
        var upstream = new SharedPv(Frame(NTNDArrayLayout.NormativeTypes, 4, 1));
        await using var a = await Loopback.StartAsync(s => s.AddPv("a:image", upstream));
        var relayed = new SharedPv();
        await using var b = await Loopback.StartAsync(s => s.AddPv("b:image", relayed));

        await using var downstream = b.Client.Subscribe("b:image", "record[queueSize=16]field()");
        var firstDownstream = downstream.ReadAsync(Loopback.Deadline()).AsTask();

        using var stop = new CancellationTokenSource(Loopback.Timeout);
        var relay = Task.Run(async () =>
        {
            await foreach (var u in a.Client.MonitorAsync("a:image", "record[queueSize=16]field()", cancellationToken: stop.Token))
            {
                using (u)
                {
                    if (!relayed.IsOpen)
                    {
                        relayed.Open(u.Value);
                    }
                    else if (u.TypeChanged)
                    {
                        relayed.Close();
                        relayed.Open(u.Value);
                    }
                    else
                    {
                        relayed.Post(u.Value);
                    }
                }
            }
        }, stop.Token);

        using (var first = await firstDownstream.WaitAsync(Loopback.Timeout))
        {
            Assert.Equal(1, new NTNDArray(first!.Value).UniqueId);
            Assert.Equal([4, 4], new NTNDArray(first.Value).Shape);
        }

        upstream.Post(Frame(NTNDArrayLayout.NormativeTypes, 4, 2));
        using (var second = await downstream.ReadAsync(Loopback.Deadline()))
        {
            Assert.Equal(2, new NTNDArray(second!.Value).UniqueId);
        }

        // The upstream stage restarts with another layout and frame size.
        upstream.Close();
        upstream.Open(Frame(NTNDArrayLayout.Pvxs, 8, 3));
        using (var changed = await downstream.ReadAsync(Loopback.Deadline()))
        {
            Assert.True(changed!.TypeChanged);
            var frame = new NTNDArray(changed.Value);
            Assert.Equal(3, frame.UniqueId);
            Assert.Equal([8, 8], frame.Shape);
            Assert.False(changed.Value.TryGetField("display", out _)); // the pvxs layout has none
        }

        for (var id = 4; id <= 6; id++)
        {
            upstream.Post(Frame(NTNDArrayLayout.Pvxs, 8, id));
            using var u = await downstream.ReadAsync(Loopback.Deadline());
            Assert.Equal(id, new NTNDArray(u!.Value).UniqueId);
            Assert.False(u.TypeChanged);
        }

        Assert.Equal(1, downstream.Statistics.TypeChanges);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => relay.WaitAsync(Loopback.Timeout));
    }

    private static PvValue Text(string text)
    {
        var v = new PvValue(PvType.Builder("epics:nt/NTScalar:1.0").Add("value", ScalarType.String).Build());
        v["value"].Set(text);
        return v;
    }

    private static PvValue Frame(NTNDArrayLayout layout, int size, int uniqueId)
    {
        var frame = NTNDArray.Create(layout);
        var pixels = new byte[size * size];
        pixels.AsSpan().Fill((byte)uniqueId);
        frame.SetImage(PvArray.Wrap(pixels));
        frame.SetDimensions(size, size);
        frame.UniqueId = uniqueId;
        return frame.Structure;
    }
}
