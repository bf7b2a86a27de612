using Epics.Pva.Throughput;

// Loopback monitor throughput: server and client are separate processes (children of this one).
//   dotnet run -c Release --project bench/Epics.Pva.Throughput -- [--frames WxH] [--type uint8] [--seconds N] [--queue N] [--baseline]
//   dotnet run -c Release --project bench/Epics.Pva.Throughput -- [--subscribers N] [--attributes N] [--no-iperf]
//   dotnet run -c Release --project bench/Epics.Pva.Throughput -- --all [--seconds N] [--repeat N]   (or --big: the large frames only)
HarnessOptions o;
try
{
    o = HarnessOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

switch (o.Role)
{
    case "pva-serve": return await PvaRoles.ServeAsync(o);
    case "pva-client": return await PvaRoles.ClientAsync(o);
    case "socket-serve": return await SocketRoles.ServeAsync(o);
    case "socket-client": return await SocketRoles.ClientAsync(o);
    case "run": break;
    default:
        Console.Error.WriteLine($"unknown role {o.Role}");
        return 2;
}

Console.WriteLine($"{Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
Console.WriteLine($"load average at start: {Load()}");
Console.WriteLine($"memory copy (Span.CopyTo, 64 MiB): {Ceilings.MemoryCopy():F1} GB/s");
HarnessOptions[] small =
[
    o with { Width = 128, Height = 128, Subscribers = 1, Attributes = 0 },
    o with { Width = 128, Height = 128, Subscribers = 1, Attributes = 10 },
    o with { Width = 128, Height = 128, Subscribers = 4, Attributes = 0 },
    o with { Width = 128, Height = 128, Subscribers = 4, Attributes = 10 },
];
HarnessOptions[] big =
[
    o with { Width = 1024, Height = 1024, Subscribers = 1, Attributes = 0 },
    o with { Width = 2048, Height = 2048, Subscribers = 1, Attributes = 0 },
    o with { Width = 4096, Height = 4096, Subscribers = 1, Attributes = 0 },
    o with { Width = 2048, Height = 2048, Subscribers = 4, Attributes = 10 },
];
var scenarios = o.All ? [.. small, .. big] : o.Big ? big : new[] { o };
var rows = new List<Orchestrator.Row>();
var medians = new List<Orchestrator.Row>();
foreach (var s in scenarios)
{
    var runs = new List<Orchestrator.Row>();
    for (var run = 0; run < o.Repeat; run++)
    {
        Orchestrator.Outcome? baseline = null;
        double? iperf = null;
        var large = s.FrameBytes >= 1024 * 1024;
        if (large && s.Iperf)
        {
            // Before and after the two runs, averaged: the load of a shared machine drifts within minutes.
            iperf = await Ceilings.IperfAsync(s.Seconds);
        }

        if (s.Baseline || large)
        {
            baseline = await Orchestrator.RunAsync(s, socket: true);
        }

        if (s.CeilingsOnly)
        {
            var after = iperf is not null ? await Ceilings.IperfAsync(s.Seconds) : null;
            Console.WriteLine($"  {s.ScenarioText}: socket pair {baseline!.GigabytesPerSecond:F2} GB/s (CPU µs/frame server {1e6 * baseline.Server.CpuSeconds / Math.Max(1, baseline.Server.Frames):F0}, client {1e6 * baseline.Client.CpuSeconds / Math.Max(1, baseline.Client.Frames):F0}); " +
                (iperf is { } i && after is { } a ? $"iperf3 -l 1M before/after {i:F2} / {a:F2} GB/s => pair at {100 * baseline.GigabytesPerSecond / ((i + a) / 2):F0}%; " : string.Empty) +
                $"load average {Load()}");
            continue;
        }

        var pva = await Orchestrator.RunAsync(s, socket: false);
        if (iperf is { } before && await Ceilings.IperfAsync(s.Seconds) is { } after2)
        {
            Console.WriteLine($"  iperf3 before/after: {before:F2} / {after2:F2} GB/s; load average now {Load()}");
            iperf = (before + after2) / 2;
        }

        var row = new Orchestrator.Row(pva, baseline, iperf);
        Orchestrator.PrintDetail(row);
        runs.Add(row);
    }

    rows.AddRange(runs);
    if (runs.Count > 0)
    {
        medians.Add(Orchestrator.Median(runs));
    }
}

if (o.CeilingsOnly)
{
    return 0; // the ceilings were printed as they were measured; there is no PVA table
}

Console.WriteLine();
Console.WriteLine($"load average at end: {Load()}");
Console.WriteLine(Orchestrator.Table(rows));
if (o.Repeat > 1)
{
    Console.WriteLine($"Median of {o.Repeat} runs per scenario (PVA run of median GB/s; socket pair and iperf3 medians of their own runs):");
    Console.WriteLine(Orchestrator.Table(medians));
}

return 0;

static string Load() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";
