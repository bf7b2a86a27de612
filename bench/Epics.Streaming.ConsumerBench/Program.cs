using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

// `pvstream ad-sim-server` feeding a passthrough `pvstream consumer` (two processes over loopback, each with its own
// ports). For each case: the simulator publishes size x size uint8 frames at the target rate (0: as fast as it can) for
// the given seconds after a start delay; the consumer (output channel on, nobody subscribed) runs with a server queue.
// Reported: frames published and processed, missed, overruns, the consumer's CPU time over the stream divided by the
// frames it processed, and the bytes/s it processed. The load average is printed with each case (the machine is shared).
// With fps 0 the simulator publishes as fast as the consumer takes frames (it waits for room in the monitor's queue),
// so those rows measure the lossless bytes/s of the pair. --loopback runs the PVA loopback benchmark
// (bench/Epics.Pva.Throughput, build it first) at the same frame size right after each case of more than 256x256, so
// the consumer's bytes/s can be read against it from the same minutes: once sending the simulator's number of distinct
// frames (--distinct, the same source memory), once with its default pooled buffer per frame (reused while in cache).
// Usage: dotnet run -c Release --project bench/Epics.Streaming.ConsumerBench -- [seconds] [size:fps ...] [--tool pvstream.dll]
//        [--sqs N] [--loopback] [--repeat N] [--nf N] [--consumer-env NAME=VALUE ...]
// --repeat runs each case N times (alternating with the loopback benchmark) and prints the medians; --nf is the
// simulator's number of distinct frames (default 100); --consumer-env sets a variable in the consumer's environment
// only (A/B runs of runtime settings).
// Defaults: 20 s, cases 128:50000 1024:0 2048:0, server queue 1000 up to 256x256, 64 up to 1024x1024, 32 above.
// Build the tool first: dotnet build -c Release tools/pvstream
var arguments = args.ToList();
var tool = TakeOption(arguments, "--tool") ?? FindTool();
var serverQueue = TakeOption(arguments, "--sqs") is { } sqs ? int.Parse(sqs, CultureInfo.InvariantCulture) : (int?)null;
var distinctFrames = TakeOption(arguments, "--nf") ?? "100";
var repeat = int.Parse(TakeOption(arguments, "--repeat") ?? "1", CultureInfo.InvariantCulture);
var loopback = arguments.Remove("--loopback");
var consumerSettings = new Dictionary<string, string>();
while (TakeOption(arguments, "--consumer-env") is { } setting)
{
    var eq = setting.IndexOf('=');
    if (eq <= 0)
    {
        throw new ArgumentException($"--consumer-env takes NAME=VALUE, not {setting}");
    }

    consumerSettings[setting[..eq]] = setting[(eq + 1)..];
}

if (consumerSettings.Count > 0)
{
    Console.WriteLine($"consumer environment: {string.Join(' ', consumerSettings.Select(s => s.Key + "=" + s.Value))}");
}

var seconds = arguments.Count > 0 ? double.Parse(arguments[0], CultureInfo.InvariantCulture) : 20;
var cases = arguments.Count > 1
    ? arguments[1..].Select(a => a.Split(':')).Select(p => (Size: int.Parse(p[0], CultureInfo.InvariantCulture), Fps: double.Parse(p[1], CultureInfo.InvariantCulture))).ToList()
    : [(128, 50000.0), (1024, 0.0), (2048, 0.0)];
Console.WriteLine($"tool: {tool}");
Console.WriteLine($"{"frame",-10} {"target fps",10} {"published",10} {"processed",10} {"missed",7} {"overruns",8} {"fps",9} {"MB/s",8} {"CPU s",7} {"CPU us/frame",12}  load average");
foreach (var (size, fps) in cases)
{
    var runs = new List<(double Consumer, double Matched, double Reused)>();
    for (var run = 0; run < repeat; run++)
    {
        var consumerRate = await RunAsync(tool, size, fps, seconds, serverQueue, consumerSettings, distinctFrames) / 1e9;
        if (loopback && size > 256)
        {
            // Twice: sending the simulator's number of distinct frames (the same source memory as the simulator's),
            // and as by default, a pooled buffer per frame, which is the one sent last and still in the caches.
            var matched = await LoopbackAsync(size, seconds, distinctFrames);
            var reused = await LoopbackAsync(size, seconds, null);
            runs.Add((consumerRate, matched, reused));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  loopback benchmark {size}x{size}: {matched:F2} GB/s with --distinct {distinctFrames} (the consumer took {100 * consumerRate / matched:F0}% of it), {reused:F2} GB/s with its default reused buffers ({100 * consumerRate / reused:F0}%)"));
        }
    }

    if (runs.Count > 1)
    {
        // This machine's rate varies from minute to minute by more than the gaps measured; medians of alternating runs
        // say more than any single run.
        var consumerMedian = Median(runs.Select(p => p.Consumer));
        var matchedMedian = Median(runs.Select(p => p.Matched));
        var reusedMedian = Median(runs.Select(p => p.Reused));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {size}x{size}, medians of {runs.Count} alternating runs: consumer {consumerMedian:F2} GB/s; loopback benchmark {matchedMedian:F2} GB/s with --distinct {distinctFrames} ({100 * consumerMedian / matchedMedian:F0}%), {reusedMedian:F2} GB/s by default ({100 * consumerMedian / reusedMedian:F0}%)"));
    }
}

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
}

// The PVA loopback benchmark (server and client processes of bench/Epics.Pva.Throughput) at this frame size: GB/s.
static async Task<double> LoopbackAsync(int size, double seconds, string? distinctFrames)
{
    var harness = FindBuilt(Path.Combine("bench", "Epics.Pva.Throughput"), "Epics.Pva.Throughput.dll")
        ?? throw new InvalidOperationException("build the loopback benchmark first: dotnet build -c Release bench/Epics.Pva.Throughput");
    var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
    string[] distinct = distinctFrames is null ? [] : ["--distinct", distinctFrames];
    string[] harnessArguments = [harness, "--frames", $"{size}x{size}", "--type", "uint8", "--seconds", Text(Math.Min(seconds, 10)), "--no-iperf", .. distinct];
    foreach (var a in harnessArguments)
    {
        info.ArgumentList.Add(a);
    }

    using var process = Process.Start(info)!;
    var output = await process.StandardOutput.ReadToEndAsync();
    await process.WaitForExitAsync();
    var gbs = Regex.Match(output, @"frames/s\s+[\d,]+ per subscriber\s+GB/s ([\d.]+)");
    return gbs.Success ? double.Parse(gbs.Groups[1].Value, CultureInfo.InvariantCulture) : throw new InvalidOperationException($"no GB/s in the loopback benchmark's output:\n{output}");
}

// Returns the bytes per second the consumer processed.
static async Task<double> RunAsync(string tool, int size, double fps, double seconds, int? serverQueue, Dictionary<string, string> consumerSettings, string distinctFrames)
{
    const double startDelay = 6;
    var simPorts = (Tcp: FreePort(SocketType.Stream), Udp: FreePort(SocketType.Dgram));
    var consumerUdp = FreePort(SocketType.Dgram);
    var sim = Start(tool, ServerEnvironment(simPorts.Tcp, simPorts.Udp),
        "ad-sim-server", "-cn", "bench:image", "-nx", Text(size), "-ny", Text(size), "-fps", Text(fps), "-rt", Text(seconds),
        "-std", Text(startDelay), "-shd", "3", "-rp", "0", "-dc", "-nf", distinctFrames);
    var consumerEnvironment = ServerEnvironment(0, consumerUdp);
    consumerEnvironment["EPICS_PVA_BROADCAST_PORT"] = Text(simPorts.Udp);
    consumerEnvironment["EPICS_PVA_SERVER_PORT"] = Text(simPorts.Tcp);
    foreach (var (key, value) in consumerSettings)
    {
        consumerEnvironment[key] = value;
    }

    var consumer = Start(tool, consumerEnvironment,
        "consumer", "-ic", "bench:image", "-oc", "bench:output", "-sqs", Text(serverQueue ?? (size <= 256 ? 1000 : size <= 1024 ? 64 : 32)), "-dc", "-rs", "receiver,processor",
        "-rt", Text(startDelay + seconds + 30));

    // CPU at the start of the stream and once the simulator is done: the consumer's cost of the frames in between.
    await Task.Delay(TimeSpan.FromSeconds(startDelay - 0.5));
    var cpuBefore = consumer.Process.TotalProcessorTime;
    await sim.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(startDelay + seconds + 60));
    await Task.Delay(TimeSpan.FromSeconds(1)); // the last frames in flight
    var cpu = (consumer.Process.TotalProcessorTime - cpuBefore).TotalSeconds;
    using (var interrupt = Process.Start("kill", ["-INT", Text(consumer.Process.Id)]))
    {
        await interrupt.WaitForExitAsync();
    }

    await consumer.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
    var published = Match(sim.Output, @"Published frames: (\d+)");
    var report = consumer.Output;
    var processed = Match(report, @"'nProcessed': (\d+)");
    var missed = Match(report, @"'nMissed': (\d+)");
    var overruns = Match(report, @"'nOverruns': (\d+)");
    var receiving = double.Parse(Regex.Matches(report, @"'receivingTime': ([\d.]+)s")[^1].Groups[1].Value, CultureInfo.InvariantCulture);
    var rate = receiving > 0 ? processed / receiving : 0;
    var load = File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{size + "x" + size,-10} {(fps > 0 ? Text(fps) : "max"),10} {published,10} {processed,10} {missed,7} {overruns,8} {rate,9:F0} {rate * size * size / 1e6,8:F1} {cpu,7:F2} {(processed > 0 ? cpu / processed * 1e6 : 0),12:F2}  {load}"));
    if (consumer.Process.ExitCode != 0 || sim.Process.ExitCode != 0)
    {
        Console.WriteLine($"  exit codes: simulator {sim.Process.ExitCode}, consumer {consumer.Process.ExitCode}; consumer said:\n{report}");
    }

    return rate * size * size;
}

static long Match(string text, string pattern)
{
    var matches = Regex.Matches(text, pattern);
    return matches.Count == 0 ? -1 : long.Parse(matches[^1].Groups[1].Value, CultureInfo.InvariantCulture);
}

static Dictionary<string, string> ServerEnvironment(int tcp, int udp) => new()
{
    ["EPICS_PVAS_INTF_ADDR_LIST"] = "127.0.0.1",
    ["EPICS_PVAS_SERVER_PORT"] = Text(tcp),
    ["EPICS_PVAS_BROADCAST_PORT"] = Text(udp),
    ["EPICS_PVA_BROADCAST_PORT"] = Text(udp),
    ["EPICS_PVAS_AUTO_BEACON_ADDR_LIST"] = "NO",
    ["EPICS_PVA_ADDR_LIST"] = "127.0.0.1",
    ["EPICS_PVA_AUTO_ADDR_LIST"] = "NO",
};

static Child Start(string tool, Dictionary<string, string> environment, params string[] arguments)
{
    var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
    info.ArgumentList.Add(tool);
    foreach (var a in arguments)
    {
        info.ArgumentList.Add(a);
    }

    foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("EPICS_", StringComparison.Ordinal)).ToList())
    {
        info.Environment.Remove(key);
    }

    foreach (var (key, value) in environment)
    {
        info.Environment[key] = value;
    }

    var child = new Child(new Process { StartInfo = info });
    child.Process.OutputDataReceived += (_, e) => child.Add(e.Data);
    child.Process.ErrorDataReceived += (_, e) => child.Add(e.Data);
    child.Process.Start();
    child.Process.BeginOutputReadLine();
    child.Process.BeginErrorReadLine();
    return child;
}

static int FreePort(SocketType type)
{
    using var socket = new Socket(AddressFamily.InterNetwork, type, type == SocketType.Stream ? ProtocolType.Tcp : ProtocolType.Udp);
    socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
    return ((IPEndPoint)socket.LocalEndPoint!).Port;
}

static string FindTool() =>
    FindBuilt(Path.Combine("tools", "pvstream"), "pvstream.dll")
    ?? throw new InvalidOperationException("pvstream.dll not found: dotnet build -c Release tools/pvstream, or --tool PATH");

// A project's built assembly in this checkout (Release first, then Debug), found from the repository root above us.
static string? FindBuilt(string project, string assembly)
{
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "pvstream.slnx")))
    {
        dir = dir.Parent;
    }

    return dir is null ? null
        : new[] { "Release", "Debug" }.Select(c => Path.Combine(dir.FullName, project, "bin", c, "net10.0", assembly)).FirstOrDefault(File.Exists);
}

static string? TakeOption(List<string> arguments, string name)
{
    var at = arguments.IndexOf(name);
    if (at < 0 || at + 1 >= arguments.Count)
    {
        return null;
    }

    var value = arguments[at + 1];
    arguments.RemoveRange(at, 2);
    return value;
}

static string Text(double value) => value.ToString(CultureInfo.InvariantCulture);

internal sealed class Child(Process process)
{
    private readonly List<string> _lines = [];

    public Process Process { get; } = process;

    public string Output
    {
        get
        {
            lock (_lines)
            {
                return string.Join('\n', _lines);
            }
        }
    }

    public void Add(string? line)
    {
        if (line is not null)
        {
            lock (_lines)
            {
                _lines.Add(line);
            }
        }
    }
}
