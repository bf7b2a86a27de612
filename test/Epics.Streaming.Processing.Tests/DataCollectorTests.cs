using System.Text.Json.Nodes;
using Epics.Pva;
using Epics.Pva.Data;
using Epics.Pva.Server;
using Epics.Streaming.Collector;

namespace Epics.Streaming.Processing.Tests;

/// <summary><see cref="DataCollector"/> in one process: producers served by an in-process server, objects out of order across them.</summary>
public sealed class DataCollectorTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);
    private static readonly PvType ObjectType = PvType.Builder().Add("uniqueId", ScalarType.Int).Add("producer", ScalarType.Int).Build();

    private sealed class Recorder(JsonObject c) : UserDataProcessor(c)
    {
        private readonly List<(int Id, int Producer)> _seen = [];
        private int _resets;

        public List<(int Id, int Producer)> Seen
        {
            get
            {
                lock (_seen)
                {
                    return [.. _seen];
                }
            }
        }

        public override PvValue? Process(PvValue value)
        {
            lock (_seen)
            {
                _seen.Add((value["uniqueId"].GetInt32(), value["producer"].GetInt32()));
            }

            return value;
        }

        public override void ResetStats() => Interlocked.Increment(ref _resets);

        public override IReadOnlyDictionary<string, object> GetStats() => new Dictionary<string, object> { ["resets"] = Volatile.Read(ref _resets) };
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    public async Task Objects_of_two_producers_come_out_in_order_with_duplicates_together_and_a_gap_released_after_the_bound(int receiverQueueSize)
    {
        await using var server = new PvaServer(PvaServerOptions.Isolated());
        var pvs = new[] { new SharedPv(), new SharedPv() };
        for (var p = 0; p < 2; p++)
        {
            var initial = new PvValue(ObjectType);
            initial["producer"].Set((long)(p + 1));
            pvs[p].Open(initial);
            server.AddPv($"dc:{p + 1}:output", pvs[p]);
        }

        await server.StartAsync().WaitAsync(Limit);
        var options = new DataCollectorOptions
        {
            Producers = [new CollectorProducer(1, "dc:1:output"), new CollectorProducer(2, "dc:2:output")],
            InputChannel = "dc:*:output",
            ServerQueueSize = 100,
            ReceiverQueueSize = receiverQueueSize,
            SkipInitialUpdates = 2, // both producers' initial values (id 0)
            MaxWait = 0.3,
        };
        Recorder? recorder = null;
        await using var collector = new DataCollector(options, c => recorder = new Recorder(c), clientOptions: server.CreateClientOptions(),
            serverOptions: PvaServerOptions.Isolated());
        await collector.StartAsync().WaitAsync(Limit);
        await WaitUntilAsync(() => collector.GetStatistics().Collected >= 2);

        void Post(int producer, int id)
        {
            using var v = new PvValue(ObjectType);
            v["uniqueId"].Set((long)id);
            v["producer"].Set((long)producer);
            v.MarkAllChanged();
            pvs[producer - 1].Post(v);
        }

        // Producer 2 runs ahead; id 3 comes from both (two tiles of one frame); 6 never comes.
        foreach (var (producer, id) in new[] { (2, 2), (2, 3), (2, 4), (1, 1), (1, 3), (1, 5), (2, 7), (1, 8) })
        {
            Post(producer, id);
        }

        await WaitUntilAsync(() => recorder!.Seen.Count >= 8);
        Assert.Equal([1, 2, 3, 3, 4, 5, 7, 8], recorder!.Seen.Select(s => s.Id));
        Assert.Equal([1, 2], recorder.Seen.Where(s => s.Id == 3).Select(s => s.Producer).Order()); // both tiles of frame 3, together

        // A late object is rejected while others wait; an old id at an empty cache is a restart.
        Post(1, 10);
        await WaitUntilAsync(() => collector.GetStatistics().Cached == 1);
        Post(2, 4);
        await WaitUntilAsync(() => recorder.Seen.Count >= 9);
        var stats = collector.GetStatistics();
        Assert.Equal(1, stats.Rejected);
        Assert.Equal(2, stats.Missed); // 6 and 9
        Post(2, 1);
        await WaitUntilAsync(() => recorder.Seen.Count >= 10);
        Assert.Equal(1, collector.GetStatistics().Restarts);
        Assert.Equal(13, collector.GetStatistics().Producers.Sum(p => p.Received)); // initial values included

        var final = await collector.StopAsync().WaitAsync(Limit);
        Assert.Equal(12, final.Collected);
        Assert.Equal(0, final.Cached);
        Assert.Equal(1, (int)final.User["resets"]); // the construction's only
    }

    [Fact]
    public async Task Reset_stats_zeroes_the_metadata_channels_too()
    {
        await using var server = new PvaServer(PvaServerOptions.Isolated());
        var producer = new SharedPv();
        producer.Open(new PvValue(ObjectType));
        server.AddPv("dr:1:output", producer);
        var metadataType = PvType.Builder().Add("value", ScalarType.Double).Build();
        var metadata = new SharedPv();
        metadata.Open(new PvValue(metadataType));
        server.AddPv("dr:md", metadata);
        await server.StartAsync().WaitAsync(Limit);
        var options = new DataCollectorOptions
        {
            Producers = [new CollectorProducer(1, "dr:1:output")],
            InputChannel = "dr:*:output",
            ControlChannel = "dr:control",
            MetadataChannels = "pva://dr:md",
        };
        var clientOptions = server.CreateClientOptions();
        await using var collector = new DataCollector(options, c => new UserDataProcessor(c), clientOptions: clientOptions, serverOptions: PvaServerOptions.Isolated());
        await collector.StartAsync().WaitAsync(Limit);
        await WaitUntilAsync(() => collector.GetStatistics().Metadata[0].Received >= 1); // the monitor's first (initial) value
        for (var i = 1; i <= 3; i++)
        {
            using var v = new PvValue(metadataType);
            v["value"].Set(i);
            v.MarkAllChanged();
            metadata.Post(v);
        }

        await WaitUntilAsync(() => collector.GetStatistics().Metadata[0].Received >= 4);

        await using var client = new Epics.Pva.Client.PvaClient(collector.Server!.CreateClientOptions());
        await client.PutAsync("dr:control", v => v["command"].Set("reset_stats")).WaitAsync(Limit);
        await WaitUntilAsync(() => collector.GetStatistics().Metadata[0].Received == 0);
        Assert.Equal(0, collector.GetStatistics().Metadata[0].Queue.Received);
    }

    [Fact]
    public void Options_that_cannot_work_are_refused()
    {
        var producers = new[] { new CollectorProducer(1, "a") };
        Assert.Throws<StreamingConfigurationException>(() => new DataCollector(new DataCollectorOptions { InputChannel = "a" }, c => new UserDataProcessor(c)));
        Assert.Throws<StreamingConfigurationException>(() => new DataCollector(new DataCollectorOptions { Producers = producers, ObjectIdOffset = 0 }, c => new UserDataProcessor(c)));
        Assert.Throws<StreamingConfigurationException>(() =>
            new DataCollector(new DataCollectorOptions { Producers = [.. producers, .. producers] }, c => new UserDataProcessor(c)));
        var ok = new DataCollectorOptions { Producers = producers, CollectorCacheSize = -1, ReceiverQueueSize = 5 };
        Assert.Equal((10, 100), (ok.EffectiveCacheSize, ok.EffectiveReceiverQueueSize));
        Assert.Equal("field()", ok.BuildProducerRequest());
        Assert.Equal("record[queueSize=8]field(uniqueId,x)", (ok with { ServerQueueSize = 8, FieldRequest = "x" }).BuildProducerRequest());
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Limit;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(20);
        }
    }
}
