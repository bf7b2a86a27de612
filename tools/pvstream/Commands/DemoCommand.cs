using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Epics.Pva;
using Epics.Pva.Client;
using Epics.Pva.Data;
using Epics.Streaming;
using Pvstream.Cli;

namespace Pvstream.Commands;

/// <summary>
/// <c>pvstream demo</c>: the whole chain on this machine, on private loopback ports: a simulated area detector
/// publishes NTNDArray frames, a mirror server re-serves them, and several consumers share the mirrored stream
/// through the data distributor (each frame to exactly one consumer). It ends with a report and checks that every
/// published frame reached some consumer.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var seconds = new Option<double>("--seconds", "-s") { Description = "How long the detector publishes", DefaultValueFactory = _ => 10 };
        var consumers = new Option<int>("--consumers", "-nc") { Description = "Consumers sharing the stream", DefaultValueFactory = _ => 3 };
        var fps = new Option<double>("--frame-rate", "-fps") { Description = "Frames per second", DefaultValueFactory = _ => 1000 };
        var nx = new Option<int>("--n-x-pixels", "-nx") { Description = "Image width", DefaultValueFactory = _ => 512 };
        var ny = new Option<int>("--n-y-pixels", "-ny") { Description = "Image height", DefaultValueFactory = _ => 512 };
        var dataType = new Option<string>("--datatype", "-dt") { Description = "Pixel type (uint8, uint16, float32, ...)", DefaultValueFactory = _ => "uint8" };
        var command = new Command("demo", "Run detector simulator -> mirror server -> distributed consumers on loopback and report")
        {
            seconds, consumers, fps, nx, ny, dataType,
        };
        CliRunner.SetAction(command, async (parse, ct) =>
        {
            var n = parse.GetValue(consumers);
            if (n < 1)
            {
                throw new CliException("Error: --consumers must be at least 1", ExitCodes.BadInput);
            }

            try
            {
                return await RunAsync(parse.GetValue(seconds), n, parse.GetValue(fps), parse.GetValue(nx), parse.GetValue(ny), parse.GetValue(dataType)!, ct);
            }
            catch (StreamingConfigurationException e)
            {
                throw new CliException($"Error: {e.Message}", ExitCodes.BadInput);
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(double seconds, int consumerCount, double fps, int nx, int ny, string dataType, CancellationToken ct)
    {
        var o = Console.Out;
        var simOptions = new AdSimServerOptions
        {
            ChannelName = "demo:image",
            Nx = nx,
            Ny = ny,
            DataType = dataType,
            FrameRate = fps,
            Runtime = seconds,
            // Consumers connect during the start delay; the shutdown delay is ended by us once every frame has arrived.
            StartDelay = 3,
            ShutdownDelay = 60,
            CacheSize = 100,
            DisableCurses = true,
            ReportPeriod = 0,
        };
        simOptions.Validate();
        await o.WriteLineAsync(Inv($"pvstream demo: {nx}x{ny} {dataType} frames at {fps} Hz for {seconds} s -> mirror -> {consumerCount} consumers (data distributor)"));

        await using var sim = new AdSimServer(simOptions, PvaServerOptions.Isolated());
        using var stopSim = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var simRun = sim.RunAsync(stopSim.Token);
        await Task.WhenAny(sim.Started, simRun).WaitAsync(TimeSpan.FromSeconds(60), ct);
        if (simRun.IsFaulted)
        {
            await simRun; // surfaces the configuration error
        }

        var simServer = sim.Server!;
        await o.WriteLineAsync(Inv($"  detector  demo:image  on TCP {simServer.TcpPort}, UDP {simServer.UdpPort}"));

        await using var mirror = new MirrorServer(
            new MirrorServerOptions { ChannelMap = "(demo:mirror,demo:image,pva,1000)", Runtime = 0, ReportPeriod = 0 },
            PvaServerOptions.Isolated(), simServer.CreateClientOptions());
        using var stopMirror = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var mirrorRun = mirror.RunAsync(stopMirror.Token);
        await mirror.Started.WaitAsync(TimeSpan.FromSeconds(30), ct);
        var mirrorServer = mirror.Server!;
        await o.WriteLineAsync(Inv($"  mirror    demo:mirror on TCP {mirrorServer.TcpPort}, UDP {mirrorServer.UdpPort}"));

        // Each consumer connects before the detector starts publishing ("first connected, first served").
        var request = "record[queueSize=1000]field(_[pydistributor=trigger:uniqueId;updates:1])";
        var consumers = new List<Consumer>();
        for (var i = 0; i < consumerCount; i++)
        {
            var c = new Consumer(i + 1, new PvaClient(mirrorServer.CreateClientOptions()));
            c.Subscription = c.Client.Subscribe("demo:mirror", request);
            consumers.Add(c);
        }

        var clock = Stopwatch.StartNew();
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var loops = consumers.Select(c => c.RunAsync(ct)).ToList();
        await Task.WhenAll(consumers.Select(c => c.Connected)).WaitAsync(TimeSpan.FromSeconds(30), ct);
        if (sim.PublishedFrames > 0)
        {
            await o.WriteLineAsync("  warning: the detector started before every consumer was connected; early frames may be missed");
        }

        await o.WriteLineAsync(Inv($"  {consumerCount} consumers connected; publishing..."));

        // Publishing ends when the count stops moving after the runtime.
        var last = -1L;
        while (clock.Elapsed.TotalSeconds < simOptions.StartDelay + seconds || sim.PublishedFrames != last)
        {
            last = sim.PublishedFrames;
            await Task.Delay(250, ct);
        }

        var published = sim.PublishedFrames;
        var drainDeadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (consumers.Sum(c => c.Frames) < published && DateTime.UtcNow < drainDeadline)
        {
            await Task.Delay(50, ct);
        }

        await stopSim.CancelAsync();
        var stats = await simRun.WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
        var elapsed = Math.Max(1e-3, clock.Elapsed.TotalSeconds - simOptions.StartDelay);
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
        foreach (var c in consumers)
        {
            await c.Subscription!.DisposeAsync();
        }

        await Task.WhenAll(loops).WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
        await stopMirror.CancelAsync();
        try
        {
            await mirrorRun.WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
        }
        catch (OperationCanceledException)
        {
        }

        var seen = new HashSet<int>();
        foreach (var c in consumers)
        {
            seen.UnionWith(c.Ids);
            await c.Client.DisposeAsync();
        }

        var missing = 0;
        for (var id = 1; id <= published; id++)
        {
            if (!seen.Contains(id))
            {
                missing++;
            }
        }

        var frameBytes = (double)nx * ny * AdSimServerOptions.ParseDataType(dataType).ElementSize();
        await o.WriteLineAsync();
        await o.WriteLineAsync("  consumer   frames   frames/s      MB/s   first id   last id   out of order");
        foreach (var c in consumers)
        {
            await o.WriteLineAsync(Inv($"  {c.Id,8} {c.Frames,8} {c.Frames / elapsed,10:F1} {c.Frames * frameBytes / elapsed / 1e6,9:F1} {c.FirstId,10} {c.LastId,9} {c.OutOfOrder,14}"));
        }

        var delivered = consumers.Sum(c => c.Frames);
        await o.WriteLineAsync();
        await o.WriteLineAsync(Inv($"  published {published} frames ({stats.FrameRate:F1} frames/s); consumers received {delivered} ({seen.Count} distinct)"));
        await o.WriteLineAsync(Inv($"  mirror counters: {mirror.GetCounters("demo:mirror")}"));
        await o.WriteLineAsync(Inv($"  process CPU {cpu:F2} s over {elapsed:F1} s ({1e6 * cpu / Math.Max(1, published):F1} µs per frame for all three roles)"));
        await o.WriteLineAsync(missing == 0
            ? "  every published frame reached exactly one consumer: no loss"
            : Inv($"  LOST {missing} frames"));
        return missing == 0 && consumers.All(c => c.OutOfOrder == 0) ? ExitCodes.Success : ExitCodes.Failure;
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private sealed class Consumer(int id, PvaClient client)
    {
        public int Id { get; } = id;

        public PvaClient Client { get; } = client;

        public PvaSubscription? Subscription { get; set; }

        public List<int> Ids { get; } = [];

        public long Frames { get; private set; }

        public int FirstId { get; private set; }

        public int LastId { get; private set; }

        public int OutOfOrder { get; private set; }

        public Task Connected => _connected.Task;

        private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task RunAsync(CancellationToken ct)
        {
            try
            {
                await foreach (var update in Subscription!.WithCancellation(ct))
                {
                    using (update)
                    {
                        _connected.TrySetResult();
                        var uid = update.Value["uniqueId"].GetInt32();
                        if (uid == 0)
                        {
                            continue; // the record's value before the first frame (every consumer gets it on connect)
                        }

                        if (Frames > 0 && uid <= LastId)
                        {
                            OutOfOrder++;
                        }

                        FirstId = Frames == 0 ? uid : FirstId;
                        LastId = uid;
                        Frames++;
                        Ids.Add(uid);
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (PvaException)
            {
            }
        }
    }
}
