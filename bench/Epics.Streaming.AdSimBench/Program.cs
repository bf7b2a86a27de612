using System.Globalization;
using Epics.Pva;
using Epics.Pva.Client;
using Epics.Pva.Data.NT;
using Epics.Streaming;

// End-to-end throughput of the simulated detector with one monitor attached (same process, loopback). For each frame
// size: the unpaced rate, then paced runs climbing from a base rate by 20% steps until a run loses frames or falls
// behind its target; the last clean rate is the highest rate the simulator sustains with every frame delivered.
// Usage: dotnet run -c Release --project bench/Epics.Streaming.AdSimBench [seconds per run] [size:startFps ...]
// (default sizes 128:25000 1024:1000; e.g. `-- 4 512:8000` measures 512x512 frames climbing from 8,000 frames/s)
var seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 3;
var sizes = args.Length > 1
    ? args[1..].Select(a => a.Split(':')).Select(p => (int.Parse(p[0], CultureInfo.InvariantCulture), double.Parse(p[1], CultureInfo.InvariantCulture))).ToArray()
    : [(128, 25000.0), (1024, 1000.0)];
Console.WriteLine($"{"frame",-10} {"target fps",11} {"published fps",14} {"received",9} {"gaps",6} {"MB/s",8} {"CPU us/frame",13} {"mean late us",13} {"max late ms",12}");
var summary = new List<string>();
foreach (var (size, start) in sizes)
{
    await RunAsync(size, 0, seconds);
    var best = 0.0;
    for (var fps = start; ; fps = Math.Round(fps * 1.2 / 100) * 100)
    {
        var (published, lost) = await RunAsync(size, fps, seconds);
        if (lost > 0 || published < 0.98 * fps)
        {
            break;
        }

        best = fps;
    }

    summary.Add(string.Create(CultureInfo.InvariantCulture, $"{size}x{size} uint8: highest rate with every frame delivered {best:F0} frames/s ({best * size * size / 1e6:F0} MB/s)"));
}

summary.ForEach(Console.WriteLine);

static async Task<(double Published, long Lost)> RunAsync(int size, double fps, double seconds)
{
    var options = new AdSimServerOptions
    {
        ChannelName = "bench:image", Nx = size, Ny = size, FrameRate = fps, Runtime = seconds, StartDelay = 1, ShutdownDelay = 0.5,
        ReportPeriod = 0, DisableCurses = true, CacheSize = size <= 256 ? 1000 : 100,
    };
    await using var sim = new AdSimServer(options, PvaServerOptions.Isolated());
    using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(seconds + 30));
    var run = sim.RunAsync(cts.Token);
    await sim.Started.WaitAsync(cts.Token);
    await using var client = new PvaClient(sim.Server!.CreateClientOptions());
    var sub = client.Subscribe("bench:image", "record[queueSize=10000,pipeline=true]field()");
    long received = 0, gaps = 0, lastId = 0;
    var reader = Task.Run(async () =>
    {
        try
        {
            await foreach (var u in sub.WithCancellation(cts.Token))
            {
                var id = new NTNDArray(u.Value).UniqueId;
                u.Dispose();
                if (id == 0)
                {
                    continue;
                }

                received++;
                if (lastId != 0 && id != lastId + 1)
                {
                    gaps += id - lastId - 1;
                }

                lastId = id;
            }
        }
        catch (OperationCanceledException)
        {
        }
    });
    var stats = await run;
    await Task.Delay(300);
    await sub.DisposeAsync();
    await reader.WaitAsync(TimeSpan.FromSeconds(10));
    var lost = gaps + (stats.PublishedFrames - lastId);
    var label = fps > 0 ? fps.ToString(CultureInfo.InvariantCulture) : "max";
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{size + "x" + size,-10} {label,11} {stats.FrameRate,14:F0} {received,9} {lost,6} {stats.DataRateMBps,8:F0} {stats.CpuSecondsPerFrame * 1e6,13:F1} {stats.MeanPacingError * 1e6,13:F0} {stats.MaxPacingError * 1e3,12:F2}"));
    return (stats.FrameRate, lost);
}
