using Epics.Pva.Data;
using Epics.Pva.Throughput;

// Loopback monitor throughput: server and client are separate processes (children of this one).
//   dotnet run -c Release --project bench/Epics.Pva.Throughput -- [--frames WxH] [--type uint8] [--seconds N] [--queue N] [--baseline]
//   dotnet run -c Release --project bench/Epics.Pva.Throughput -- --all [--seconds N]
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

var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";
Console.WriteLine($"{Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}, load average at start: {load}");
var scenarios = o.All
    ?
    [
        o with { Width = 128, Height = 128, Type = ScalarType.UByte },
        o with { Width = 2048, Height = 2048, Type = ScalarType.UByte },
        o with { Width = 4096, Height = 4096, Type = ScalarType.UByte },
    ]
    : new[] { o };
var rows = new List<(Orchestrator.Outcome, Orchestrator.Outcome?)>();
foreach (var s in scenarios)
{
    Orchestrator.Outcome? baseline = null;
    if (s.Baseline || s.FrameBytes >= 1024 * 1024)
    {
        baseline = await Orchestrator.RunAsync(s, socket: true);
    }

    var pva = await Orchestrator.RunAsync(s, socket: false);
    Orchestrator.PrintDetail(pva, baseline);
    rows.Add((pva, baseline));
}

Console.WriteLine();
Console.WriteLine(Orchestrator.Table(rows));
return 0;
