using System.Globalization;
using Epics.Pva;
using Epics.Pva.Client;
using Epics.Pva.Data.NT;
using Epics.Streaming;

// End-to-end throughput of the simulated detector with one monitor attached (same process, loopback):
// for each frame size, the unpaced rate, then paced runs to find the highest rate with every frame delivered.
// Usage: dotnet run -c Release --project bench/Epics.Streaming.AdSimBench [seconds per run]
var seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 3;
Console.WriteLine($"{"frame",-10} {"target fps",11} {"published fps",14} {"received",9} {"gaps",6} {"MB/s",8} {"CPU us/frame",13} {"mean late us",13} {"max late ms",12}");
foreach (var size in new[] { 128, 1024 })
{
    var unpaced = await RunAsync(size, 0, seconds);
    var rates = size == 128 ? new double[] { 10000, 25000, 50000, 75000 } : [500, 1000, 2000, 3000];
    foreach (var fps in rates)
    {
        await RunAsync(size, fps, seconds);
    }

    _ = unpaced;
}

static async Task<double> RunAsync(int size, double fps, double seconds)
{
    var output = new StringWriter();
    var options = new AdSimServerOptions
    {
        ChannelName = "bench:image", Nx = size, Ny = size, FrameRate = fps, Runtime = seconds, StartDelay = 1, ShutdownDelay = 0.5,
        ReportPeriod = 0, DisableCurses = true, CacheSize = size == 128 ? 1000 : 100,
    };
    await using var sim = new AdSimServer(options, PvaServerOptions.Isolated(), output);
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
    var label = fps > 0 ? fps.ToString(CultureInfo.InvariantCulture) : "max";
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{size + "x" + size,-10} {label,11} {stats.FrameRate,14:F0} {received,9} {gaps + (stats.PublishedFrames - lastId),6} {stats.DataRateMBps,8:F0} {stats.CpuSecondsPerFrame * 1e6,13:F1} {stats.MeanPacingError * 1e6,13:F0} {stats.MaxPacingError * 1e3,12:F2}"));
    return stats.FrameRate;
}
