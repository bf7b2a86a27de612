using System.Buffers.Binary;
using System.Diagnostics;
using Epics.Pva.Client;
using Epics.Pva.Data;
using Epics.Pva.Data.NT;
using Epics.Pva.Server;

namespace Epics.Pva.Throughput;

/// <summary>The two PVA processes: a server posting NTNDArray frames, a client monitoring them.</summary>
internal static class PvaRoles
{
    public const string PvName = "bench:frames";

    /// <summary>
    /// Serves <see cref="PvName"/> on ephemeral loopback ports (printed as <c>READY udp tcp</c>) and, once a client
    /// subscribes, posts frames as fast as <see cref="ServerPv.WaitForRoomAsync"/> lets it (nothing is squashed).
    /// Reads MARK / STOP from stdin; STOP prints the result.
    /// </summary>
    public static async Task<int> ServeAsync(HarnessOptions o)
    {
        await using var server = new PvaServer(PvaServerOptions.Isolated());
        var count = checked(o.Width * o.Height);
        var frame = NTNDArray.Create();
        frame.SetDimensions(o.Width, o.Height);
        frame.SetImage(PvArray.Allocate(o.Type, count));
        for (var i = 0; i < o.Attributes; i++)
        {
            frame.SetAttribute($"Attribute{i}", 1.5 * i);
        }

        var distinct = new PvArray[o.DistinctFrames];
        for (var i = 0; i < distinct.Length; i++)
        {
            distinct[i] = PvArray.Allocate(o.Type, count);
            Random.Shared.NextBytes(distinct[i].WritableBytes);
        }

        var pv = new SharedPv(frame.Structure);
        server.AddPv(PvName, pv);
        await server.StartAsync();
        Console.WriteLine($"READY {server.UdpPort} {server.TcpPort}");

        using var stop = new CancellationTokenSource();
        long posted = 0;
        long waitTicks = 0;
        long postNanoseconds = 0;
        var producer = Task.Run(async () =>
        {
            while (pv.SubscriberCount < o.Subscribers)
            {
                await Task.Delay(5, stop.Token);
            }

            var id = 0;
            while (!stop.IsCancellationRequested)
            {
                var waitStart = Stopwatch.GetTimestamp();
                await pv.WaitForRoomAsync(stop.Token);
                Interlocked.Add(ref waitTicks, Stopwatch.GetTimestamp() - waitStart);
                if (pv.SubscriberCount < o.Subscribers)
                {
                    // The client is leaving: posting into no queue would only inflate the count of frames sent.
                    await Task.Delay(5, stop.Token);
                    continue;
                }

                // A fresh pooled buffer per frame, as a detector driver would fill; the pool recycles the ones sent.
                // With --distinct, the next of the pre-filled frames (another reference to it; the send releases it).
                var image = distinct.Length > 0 ? distinct[id % distinct.Length].Retain() : PvArray.Allocate(o.Type, count);
                id++;
                if (distinct.Length == 0 && image.ByteLength >= 4)
                {
                    BinaryPrimitives.WriteInt32LittleEndian(image.WritableBytes, id);
                }

                frame.Structure.Changed.Clear();
                frame.SetImage(image);
                frame.UniqueId = id;
                var now = PvTimeStamp.Now();
                frame.DataTimeStamp = now;
                frame.TimeStamp = now;
                var postStart = ThreadCpuClock.NowNanoseconds(); // Post is synchronous: one thread from start to end
                pv.Post(frame.Structure);
                Interlocked.Add(ref postNanoseconds, ThreadCpuClock.NowNanoseconds() - postStart);
                Interlocked.Increment(ref posted);
            }
        });

        using var stats = new ProcessStats();
        long postedAtMark = 0;
        long waitAtMark = 0;
        long postAtMark = 0;
        while (await StdinLine.ReadAsync() is { } line)
        {
            if (line == "MARK")
            {
                postedAtMark = Interlocked.Read(ref posted);
                waitAtMark = Interlocked.Read(ref waitTicks);
                postAtMark = Interlocked.Read(ref postNanoseconds);
                stats.Mark();
            }
            else if (line == "STOP")
            {
                var frames = Interlocked.Read(ref posted) - postedAtMark;
                var waited = (Interlocked.Read(ref waitTicks) - waitAtMark) / (double)Stopwatch.Frequency;
                var result = stats.Finish(new RoleResult { Role = "pva-server", Frames = frames, Bytes = frames * o.FrameBytes });
                var postCpu = (Interlocked.Read(ref postNanoseconds) - postAtMark) / 1000.0 / Math.Max(1, frames);
                result = result with
                {
                    PostCpuMicroseconds = ThreadCpuClock.IsSupported ? postCpu : -1,
                    Note = $"producer waited for room in the subscriber queues {100 * waited / result.Seconds:F0}% of the time; " +
                        $"Post cost the producer's thread {postCpu:F2} µs CPU per frame",
                };
                Console.WriteLine("RESULT " + ResultJson.Write(result));
                break;
            }
        }

        await stop.CancelAsync();
        try
        {
            await producer;
        }
        catch (OperationCanceledException)
        {
        }

        return 0;
    }

    /// <summary>
    /// Opens --subscribers monitors of <see cref="PvName"/> on the server given by --udp/--tcp with
    /// <c>record[queueSize=N,pipeline=true]field()</c> (one connection), checks each one's uniqueId sequence, prints
    /// MEASURING after the warm-up and RESULT after the measured seconds.
    /// </summary>
    public static async Task<int> ClientAsync(HarnessOptions o)
    {
        var options = new PvaClientOptions
        {
            AddressList = [$"127.0.0.1:{o.UdpPort}"],
            AutoAddressList = false,
            BroadcastPort = o.UdpPort,
            ServerPort = o.TcpPort,
            NameServers = [],
        };
        await using var client = new PvaClient(options);
        var request = $"record[queueSize={o.EffectiveQueue},pipeline={(o.Pipeline ? "true" : "false")}]field()";
        var subscriptions = Enumerable.Range(0, o.Subscribers).Select(_ => client.Subscribe(PvName, request)).ToList();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(o.WarmupSeconds + o.Seconds + 60));
        using var stats = new ProcessStats();
        var window = new MeasuredWindow(o, stats);
        var counts = await Task.WhenAll(subscriptions.Select((s, i) => Task.Run(() => ConsumeAsync(s, window, i == 0, timeout.Token))));
        var result = stats.Finish(new RoleResult
        {
            Role = "pva-client",
            Frames = counts.Sum(c => c.Frames) / o.Subscribers,
            Updates = counts.Sum(c => c.Frames),
            Bytes = counts.Sum(c => c.Bytes),
            Lost = counts.Sum(c => c.Lost),
            Note = string.Join("; ", subscriptions.Select(s => s.Statistics).Select(s => $"received={s.Received} squashed={s.Squashed} overruns={s.Overruns} maxQueued={s.MaxQueued}").Distinct()) +
                "; " + counts[0].Gaps,
        });
        Console.WriteLine("RESULT " + ResultJson.Write(result));
        foreach (var s in subscriptions)
        {
            await s.DisposeAsync();
        }

        return 0;
    }

    private sealed record Counts(long Frames, long Bytes, long Lost, string Gaps);

    private static async Task<Counts> ConsumeAsync(PvaSubscription subscription, MeasuredWindow window, bool trackGaps, CancellationToken cancellationToken)
    {
        var uniqueIdOffset = -1;
        var lastId = 0;
        long lost = 0;
        long frames = 0;
        long bytes = 0;
        var previous = 0L;
        long stalls = 0;
        var stallTicks = 0L;
        var maxGap = 0L;
        var wasMeasuring = false;
        while (!window.Ended && await subscription.ReadAsync(cancellationToken) is { } update)
        {
            var measuring = window.Update();
            if (measuring && !wasMeasuring)
            {
                lost = 0;
                previous = Stopwatch.GetTimestamp();
            }

            wasMeasuring = measuring;
            using (update)
            {
                var value = update.Value;
                if (uniqueIdOffset < 0)
                {
                    uniqueIdOffset = value.Type.OffsetOf("uniqueId");
                }

                var id = value.FieldAt(uniqueIdOffset).GetInt32();
                if (lastId != 0 && id != lastId + 1)
                {
                    lost += id > lastId ? id - lastId - 1 : 0;
                }

                lastId = id;
                if (measuring)
                {
                    frames++;
                    bytes += value["value"].Content?.Root.GetArray().ByteLength ?? 0;
                }
            }

            if (measuring && trackGaps)
            {
                // Gaps of a millisecond or more between updates: the pipeline stalled rather than ran slowly.
                var now = Stopwatch.GetTimestamp();
                var gap = now - previous;
                maxGap = Math.Max(maxGap, gap);
                if (gap >= Stopwatch.Frequency / 1000)
                {
                    stalls++;
                    stallTicks += gap;
                }

                previous = now;
            }
        }

        return new Counts(frames, bytes, lost,
            $"gaps >= 1 ms: {stalls} totalling {1000.0 * stallTicks / Stopwatch.Frequency:F0} ms, longest {1000.0 * maxGap / Stopwatch.Frequency:F1} ms");
    }

    /// <summary>The client's warm-up and measured window, shared by its subscriptions: the first update past the warm-up starts it.</summary>
    private sealed class MeasuredWindow(HarnessOptions o, ProcessStats stats)
    {
        private readonly Lock _lock = new();
        private long _warmupEnds;
        private long _measureEnds = long.MaxValue;
        private volatile bool _measuring;
        private volatile bool _ended;

        public bool Ended => _ended;

        /// <summary>Called for every update; true while the window is open.</summary>
        public bool Update()
        {
            var now = Stopwatch.GetTimestamp();
            if (_measuring)
            {
                if (now >= Volatile.Read(ref _measureEnds))
                {
                    _ended = true;
                    return false;
                }

                return true;
            }

            lock (_lock)
            {
                if (_warmupEnds == 0)
                {
                    _warmupEnds = now + (long)(o.WarmupSeconds * Stopwatch.Frequency);
                }
                else if (!_measuring && now >= _warmupEnds)
                {
                    Console.WriteLine("MEASURING");
                    stats.Mark();
                    Volatile.Write(ref _measureEnds, Stopwatch.GetTimestamp() + (long)(o.Seconds * Stopwatch.Frequency));
                    _measuring = true;
                }

                return _measuring;
            }
        }
    }
}
