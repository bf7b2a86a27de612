using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Epics.Pva;
using Epics.Pva.Data;
using Epics.Pva.Data.NT;
using Epics.Pva.Server;
using Epics.Streaming.Collector;
using Epics.Streaming.Processing;

// Throughput of a passthrough collector of 4 producers (same process, loopback): frame k is posted on producer
// ((k - 1) mod 4) + 1, as 4 consumers with -du 1 would publish, and the collector must hand every frame to its processor
// once, in order. Runs climb from a base rate by 20% steps until one loses, rejects or reorders a frame or falls behind
// (the last frame handed over more than the latency bound plus 0.25 s after it was posted: the bound holds every run
// for up to that long, so the collected rate is taken over the posting time and the drain reported beside it).
// CPU per frame is the whole process's (the producers' server included) over the frames collected.
// Usage: dotnet run -c Release --project bench/Epics.Streaming.CollectorBench [seconds per run] [start fps] [size]
var seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 4;
var start = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 10000;
var size = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 128;
const double MaxWait = 0.5;
Console.WriteLine($"{"frame",-10} {"target fps",11} {"collected fps",14} {"collected",10} {"missed",7} {"rejected",9} {"disorder",9} {"drain s",8} {"CPU us/frame",13}");
var best = 0.0;
for (var fps = start; ; fps = Math.Round(fps * 1.2 / 100) * 100)
{
    var r = await RunAsync(size, fps, seconds, MaxWait);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{size + "x" + size,-10} {fps,11:F0} {r.Rate,14:F0} {r.Collected,10} {r.Missed,7} {r.Rejected,9} {r.OutOfOrder,9} {r.DrainSeconds,8:F2} {r.CpuPerFrame * 1e6,13:F1}"));
    if (r.Missed > 0 || r.Rejected > 0 || r.OutOfOrder > 0 || r.Collected < r.Posted || r.Rate < 0.98 * fps || r.DrainSeconds > MaxWait + 0.25)
    {
        break;
    }

    best = fps;
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{size}x{size} uint8, 4 producers: highest rate collected complete and in order {best:F0} frames/s"));

static async Task<Result> RunAsync(int size, double fps, double seconds, double maxWait)
{
    const int producers = 4;
    await using var server = new PvaServer(PvaServerOptions.Isolated());
    var pvs = Enumerable.Range(1, producers).Select(_ => new SharedPv()).ToArray();
    var frame = NTNDArray.Create(new ImageShape(size, size), ScalarType.UByte);
    frame.GetWritableImage<byte>().GetWritablePixels().Fill(7);
    for (var p = 0; p < producers; p++)
    {
        pvs[p].Open(frame.Structure);
        server.AddPv($"bench:{p + 1}:output", pvs[p]);
    }

    await server.StartAsync();
    var options = new DataCollectorOptions
    {
        Producers = [.. Enumerable.Range(1, producers).Select(p => new CollectorProducer(p, $"bench:{p}:output"))],
        InputChannel = "bench:*:output",
        ServerQueueSize = 100_000,
        CollectorCacheSize = 10_000,
        MaxWait = maxWait,
    };
    var counter = new OrderCounter();
    await using var collector = new DataCollector(options, _ => counter, serverOptions: PvaServerOptions.Isolated(), clientOptions: server.CreateClientOptions());
    await collector.StartAsync();
    await Task.Delay(1000); // the monitors connect; their initial values (id 0) are the skipped and first objects

    var posted = (long)(fps * seconds);
    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
    var clock = Stopwatch.StartNew();
    for (long id = 1; id <= posted; id++)
    {
        while (clock.Elapsed.TotalSeconds < (id - 1) / fps)
        {
            Thread.SpinWait(50);
        }

        frame.UniqueId = (int)id;
        pvs[(id - 1) % producers].Post(frame.Structure);
    }

    var posting = clock.Elapsed.TotalSeconds;
    var deadline = Stopwatch.StartNew();
    while (counter.LastId < posted && deadline.Elapsed < TimeSpan.FromSeconds(5))
    {
        await Task.Delay(10);
    }

    var elapsed = clock.Elapsed.TotalSeconds;
    var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
    var stats = await collector.StopAsync();
    var collected = counter.Count;
    return new Result(posted, collected, collected / posting, elapsed - posting, stats.Missed, stats.Rejected, counter.OutOfOrder, cpuSeconds / Math.Max(1, collected));
}

internal sealed record Result(long Posted, long Collected, double Rate, double DrainSeconds, long Missed, long Rejected, long OutOfOrder, double CpuPerFrame);

// The passthrough, counting what it is handed and whether the ids rise.
internal sealed class OrderCounter() : UserDataProcessor(new JsonObject())
{
    private long _last = -1;

    public long Count { get; private set; }

    public long OutOfOrder { get; private set; }

    public long LastId => Volatile.Read(ref _last);

    public override PvValue? Process(PvValue value)
    {
        var id = new NTNDArray(value).UniqueId;
        if (id == 0)
        {
            return value; // an initial value
        }

        if (id <= _last)
        {
            OutOfOrder++;
        }

        Count++;
        Volatile.Write(ref _last, id);
        return value;
    }
}
