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
        var pv = new SharedPv(frame.Structure);
        server.AddPv(PvName, pv);
        await server.StartAsync();
        Console.WriteLine($"READY {server.UdpPort} {server.TcpPort}");

        using var stop = new CancellationTokenSource();
        long posted = 0;
        var producer = Task.Run(async () =>
        {
            while (pv.SubscriberCount == 0)
            {
                await Task.Delay(5, stop.Token);
            }

            var id = 0;
            while (!stop.IsCancellationRequested)
            {
                await pv.WaitForRoomAsync(stop.Token);

                // A fresh pooled buffer per frame, as a detector driver would fill; the pool recycles the ones sent.
                var image = PvArray.Allocate(o.Type, count);
                id++;
                if (image.ByteLength >= 4)
                {
                    BinaryPrimitives.WriteInt32LittleEndian(image.WritableBytes, id);
                }

                frame.Structure.Changed.Clear();
                frame.SetImage(image);
                frame.UniqueId = id;
                var now = PvTimeStamp.Now();
                frame.DataTimeStamp = now;
                frame.TimeStamp = now;
                pv.Post(frame.Structure);
                Interlocked.Increment(ref posted);
            }
        });

        using var stats = new ProcessStats();
        long postedAtMark = 0;
        while (await StdinLine.ReadAsync() is { } line)
        {
            if (line == "MARK")
            {
                postedAtMark = Interlocked.Read(ref posted);
                stats.Mark();
            }
            else if (line == "STOP")
            {
                var frames = Interlocked.Read(ref posted) - postedAtMark;
                var result = stats.Finish(new RoleResult { Role = "pva-server", Frames = frames, Bytes = frames * o.FrameBytes });
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
    /// Monitors the server given by --udp/--tcp with <c>record[queueSize=N,pipeline=true]field()</c>, checks the
    /// uniqueId sequence, prints MEASURING after the warm-up and RESULT after the measured seconds.
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
        await using var subscription = client.Subscribe(PvName, request);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(o.WarmupSeconds + o.Seconds + 60));
        using var stats = new ProcessStats();

        var uniqueIdOffset = -1;
        var lastId = 0;
        long lost = 0;
        long frames = 0;
        long bytes = 0;
        var measuring = false;
        var warmupEnds = 0L;
        var measureEnds = 0L;
        var previous = 0L;
        long stalls = 0;
        var stallTicks = 0L;
        var maxGap = 0L;
        while (await subscription.ReadAsync(timeout.Token) is { } update)
        {
            using (update)
            {
                var value = update.Value;
                if (uniqueIdOffset < 0)
                {
                    uniqueIdOffset = value.Type.OffsetOf("uniqueId");
                    warmupEnds = Stopwatch.GetTimestamp() + (long)(o.WarmupSeconds * Stopwatch.Frequency);
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

            var now = Stopwatch.GetTimestamp();
            if (measuring)
            {
                // Gaps of a millisecond or more between updates: the pipeline stalled rather than ran slowly.
                var gap = now - previous;
                maxGap = Math.Max(maxGap, gap);
                if (gap >= Stopwatch.Frequency / 1000)
                {
                    stalls++;
                    stallTicks += gap;
                }
            }

            previous = now;
            if (!measuring && now >= warmupEnds)
            {
                measuring = true;
                lost = 0;
                Console.WriteLine("MEASURING");
                stats.Mark();
                measureEnds = now + (long)(o.Seconds * Stopwatch.Frequency);
            }
            else if (measuring && now >= measureEnds)
            {
                break;
            }
        }

        var s = subscription.Statistics;
        var result = stats.Finish(new RoleResult
        {
            Role = "pva-client",
            Frames = frames,
            Bytes = bytes,
            Lost = lost,
            Note = $"received={s.Received} squashed={s.Squashed} overruns={s.Overruns} maxQueued={s.MaxQueued}; " +
                $"gaps >= 1 ms: {stalls} totalling {1000.0 * stallTicks / Stopwatch.Frequency:F0} ms, longest {1000.0 * maxGap / Stopwatch.Frequency:F1} ms",
        });
        Console.WriteLine("RESULT " + ResultJson.Write(result));
        return 0;
    }
}
