using Epics.Pva.Server;

namespace Epics.Pva.IntegrationTests.ClientServer;

public sealed class SharedPvBackPressureTests
{
    [Theory]
    [InlineData(4, 3000)]
    [InlineData(2, 30000)] // many waits on a full queue: a lost wake-up once stopped such a stream for good
    public async Task WaitForRoomAsync_lets_a_producer_stream_every_update_in_order(int queueSize, int n)
    {
        var pv = new SharedPv(Loopback.Counter(0));
        await using var lo = await Loopback.StartAsync(s => s.AddPv("x", pv));
        await using var sub = lo.Client.Subscribe("x", $"record[queueSize={queueSize},pipeline=true]field()");
        using var first = await sub.ReadAsync(Loopback.Deadline());
        Assert.Equal(0, first!.Value["value"].GetInt32());
        var producer = Task.Run(async () =>
        {
            var update = Loopback.Counter();
            for (var i = 1; i <= n; i++)
            {
                await pv.WaitForRoomAsync(Loopback.Deadline());
                update.Changed.Clear();
                update["value"].Set(i);
                pv.Post(update);
            }
        });

        var deadline = Loopback.Deadline();
        for (var expected = 1; expected <= n; expected++)
        {
            using var u = await sub.ReadAsync(deadline);
            Assert.Equal(expected, u!.Value["value"].GetInt32());
            Assert.True(u.Overrun.IsEmpty);
        }

        await producer.WaitAsync(Loopback.Timeout);
        Assert.Equal(0, sub.Statistics.Squashed);
    }

    [Fact]
    public async Task WaitForRoomAsync_waits_while_a_subscriber_queue_is_full_and_resumes_when_it_drains()
    {
        var pv = new SharedPv(Loopback.Counter(0));
        await using var lo = await Loopback.StartAsync(s => s.AddPv("x", pv));
        await using var sub = lo.Client.Subscribe("x", "record[queueSize=2,pipeline=true]field()");
        using (var first = await sub.ReadAsync(Loopback.Deadline()))
        {
            Assert.NotNull(first);
        }

        // The client reads nothing more: the window of 2 is used up, then the server queue of 2 fills.
        var wait = await PostUntilHeldBackAsync(pv);
        await Task.Delay(200);
        Assert.False(wait.IsCompleted);

        var deadline = Loopback.Deadline();
        for (var expected = 1; !wait.IsCompleted; expected++)
        {
            using var u = await sub.ReadAsync(deadline);
            Assert.Equal(expected, u!.Value["value"].GetInt32());
        }

        await wait.WaitAsync(Loopback.Timeout);
    }

    [Fact]
    public async Task WaitForRoomAsync_completes_when_the_slow_subscriber_goes_away()
    {
        var pv = new SharedPv(Loopback.Counter(0));
        await using var lo = await Loopback.StartAsync(s => s.AddPv("x", pv));
        var sub = lo.Client.Subscribe("x", "record[queueSize=2,pipeline=true]field()");
        _ = await sub.ReadAsync(Loopback.Deadline());
        var wait = await PostUntilHeldBackAsync(pv);
        Assert.False(wait.IsCompleted);
        await sub.DisposeAsync();
        await wait.WaitAsync(Loopback.Timeout);
    }

    // Posts counter values 1, 2, ... until WaitForRoomAsync stops completing at once; returns that pending wait.
    private static async Task<Task> PostUntilHeldBackAsync(SharedPv pv)
    {
        var update = Loopback.Counter();
        for (var posted = 1; posted <= 50; posted++)
        {
            var wait = pv.WaitForRoomAsync(Loopback.Deadline()).AsTask();
            if (!wait.IsCompleted)
            {
                return wait;
            }

            update.Changed.Clear();
            update["value"].Set(posted);
            pv.Post(update);
            await Task.Delay(20);
        }

        Assert.Fail("the producer was never held back");
        return Task.CompletedTask;
    }
}
