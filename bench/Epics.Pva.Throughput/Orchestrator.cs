using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Epics.Pva.Throughput;

/// <summary>Runs a scenario as two child processes of this executable (server first, then client) and collects results.</summary>
internal static class Orchestrator
{
    public sealed record Outcome(HarnessOptions Options, RoleResult Server, RoleResult Client)
    {
        /// <summary>Frames per second each subscriber received.</summary>
        public double FramesPerSecond => Client.Frames / Client.Seconds;

        /// <summary>Image bytes per second delivered to all subscribers together.</summary>
        public double GigabytesPerSecond => Client.Bytes / Client.Seconds / 1e9;

        public long Updates => Math.Max(1, Client.Updates > 0 ? Client.Updates : Client.Frames);

        public long ServerFrames => Math.Max(1, Server.Frames);

        /// <summary>Mean pinned buffer bytes per frame the client received (pool bytes rented / rents).</summary>
        public double PinnedPerReceivedFrame => Client.PoolRents == 0 ? 0 : Client.PoolBytesRented / (double)Client.PoolRents;
    }

    /// <summary>One scenario with its ceilings of the same minutes: the socket pair and iperf3 (null when not run).</summary>
    public sealed record Row(Outcome Pva, Outcome? Socket, double? Iperf);

    public static async Task<Outcome> RunAsync(HarnessOptions o, bool socket)
    {
        var prefix = socket ? "socket" : "pva";
        using var server = Start($"{prefix}-serve", o.ScenarioArgs());
        var ready = await ReadUntilAsync(server, "READY ");
        var ports = ready.Split(' ');
        using var client = Start($"{prefix}-client", [.. o.ScenarioArgs(), "--udp", ports[0], "--tcp", ports[1]]);
        await ReadUntilAsync(client, "MEASURING");
        await server.StandardInput.WriteLineAsync("MARK");
        await server.StandardInput.FlushAsync();
        var clientResult = ResultJson.Read(await ReadUntilAsync(client, "RESULT "));
        await server.StandardInput.WriteLineAsync("STOP");
        await server.StandardInput.FlushAsync();
        var serverResult = ResultJson.Read(await ReadUntilAsync(server, "RESULT "));
        await Task.WhenAll(client.WaitForExitAsync(), server.WaitForExitAsync()).WaitAsync(TimeSpan.FromSeconds(30));
        return new Outcome(o, serverResult, clientResult);
    }

    public static void PrintDetail(Row row)
    {
        var (r, baseline, iperf) = row;
        var o = r.Options;
        Console.WriteLine($"{o.ScenarioText}, queueSize={o.EffectiveQueue}, {r.Client.Seconds:F1} s measured");
        Console.WriteLine($"  frames/s      {r.FramesPerSecond,12:N0} per subscriber   GB/s {r.GigabytesPerSecond:F2}   lost {r.Client.Lost}");
        if (iperf is { } i)
        {
            Console.WriteLine($"  iperf3 -l 1M                   GB/s {i:F2}   => PVA at {100 * r.GigabytesPerSecond / i:F0}% of it");
        }

        if (baseline is not null)
        {
            Console.WriteLine($"  socket pair   {baseline.FramesPerSecond,12:N0}   GB/s {baseline.GigabytesPerSecond:F2}   => PVA at {100 * r.GigabytesPerSecond / baseline.GigabytesPerSecond:F0}% of it" +
                (iperf is { } j ? $"; socket pair at {100 * baseline.GigabytesPerSecond / j:F0}% of iperf3" : string.Empty));
        }

        var perServer = (double)r.ServerFrames;
        var perClient = (double)r.Updates;
        foreach (var (p, n, unit) in new[] { (r.Server, perServer, "posted frame"), (r.Client, perClient, "update") })
        {
            Console.WriteLine($"  {p.Role,-11} CPU {1e6 * p.CpuSeconds / n,8:F2} µs/{unit} ({100 * p.CpuSeconds / p.Seconds:F0}% of a core, {100 * p.KernelCpuSeconds / Math.Max(1e-9, p.CpuSeconds):F0}% in the kernel)" +
                $"  GC {p.Gen0}/{p.Gen1}/{p.Gen2}  alloc {p.AllocatedBytes / n:F0} B/{unit}" +
                $"  pool new {p.PoolAllocations} pinned {Mb(p.PoolPinnedBytes)} MB (idle {Mb(p.PoolIdleBytes)})  pool items/{unit} {p.WorkItems / n:F1} contentions {p.LockContentions} threads {p.Threads}" +
                $"  WS {Mb(p.WorkingSetStart)}→{Mb(p.WorkingSetEnd)} (peak {Mb(p.WorkingSetPeak)}) MB");
        }

        foreach (var p in new[] { r.Server, r.Client })
        {
            if (p.GcNote.Length > 0)
            {
                Console.WriteLine($"  {p.Role} GC: {p.GcNote}");
            }
        }

        Console.WriteLine($"  pinned bytes per received frame {r.PinnedPerReceivedFrame:F0} = {r.PinnedPerReceivedFrame / o.FrameBytes:F3} x the image");
        if (r.Server.Note.Length > 0)
        {
            Console.WriteLine($"  server: {r.Server.Note}");
        }

        if (baseline is not null)
        {
            Console.WriteLine($"  socket pair CPU µs/frame: server {1e6 * baseline.Server.CpuSeconds / Math.Max(1, baseline.Server.Frames):F1}, client {1e6 * baseline.Client.CpuSeconds / Math.Max(1, baseline.Client.Frames):F1}");
        }

        if (r.Client.Note.Length > 0)
        {
            Console.WriteLine($"  client: {r.Client.Note}");
        }
    }

    /// <summary>
    /// The run with the median PVA GB/s, with the socket pair and iperf3 figures replaced by their own medians over
    /// <paramref name="runs"/> (on a shared machine one run's ratio says little).
    /// </summary>
    public static Row Median(IReadOnlyList<Row> runs)
    {
        var byPva = runs.OrderBy(r => r.Pva.GigabytesPerSecond).ToList();
        var middle = byPva[byPva.Count / 2];
        var sockets = runs.Where(r => r.Socket is not null).Select(r => r.Socket!).OrderBy(s => s.GigabytesPerSecond).ToList();
        var iperfs = runs.Where(r => r.Iperf is not null).Select(r => r.Iperf!.Value).Order().ToList();
        return new Row(middle.Pva, sockets.Count > 0 ? sockets[sockets.Count / 2] : null, iperfs.Count > 0 ? iperfs[iperfs.Count / 2] : null);
    }

    public static string Table(IReadOnlyList<Row> rows)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| Scenario | queue | frames/s per sub | GB/s | lost | iperf3 GB/s | % of iperf3 | socket pair GB/s | % of socket pair | CPU µs server/frame (of it in Post on the producer's thread); client/update | alloc B server/frame/sub; client/update | GC gen0/1/2 server; client | pinned B per received frame (x image) | peak WS MB server; client |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|---|---|");
        foreach (var (r, b, iperf) in rows)
        {
            var subs = r.Options.Subscribers;
            sb.Append(CultureInfo.InvariantCulture, $"| {r.Options.ScenarioText} | {r.Options.EffectiveQueue} | {r.FramesPerSecond:N0} | {r.GigabytesPerSecond:F2} | {r.Client.Lost} | ");
            sb.Append(iperf is { } i ? string.Create(CultureInfo.InvariantCulture, $"{i:F2} | {100 * r.GigabytesPerSecond / i:F0}% | ") : "- | - | ");
            sb.Append(b is null ? "- | - | " : string.Create(CultureInfo.InvariantCulture, $"{b.GigabytesPerSecond:F2} | {100 * r.GigabytesPerSecond / b.GigabytesPerSecond:F0}% | "));
            sb.Append(CultureInfo.InvariantCulture, $"{1e6 * r.Server.CpuSeconds / r.ServerFrames:F1}");
            sb.Append(r.Server.PostCpuMicroseconds >= 0 ? string.Create(CultureInfo.InvariantCulture, $" ({r.Server.PostCpuMicroseconds:F1})") : string.Empty);
            sb.Append(CultureInfo.InvariantCulture, $"; {1e6 * r.Client.CpuSeconds / r.Updates:F1} | ");
            sb.Append(CultureInfo.InvariantCulture, $"{r.Server.AllocatedBytes / (double)r.ServerFrames / subs:F0}; {r.Client.AllocatedBytes / (double)r.Updates:F0} | ");
            sb.Append(CultureInfo.InvariantCulture, $"{r.Server.Gen0}/{r.Server.Gen1}/{r.Server.Gen2}; {r.Client.Gen0}/{r.Client.Gen1}/{r.Client.Gen2} | ");
            sb.Append(CultureInfo.InvariantCulture, $"{r.PinnedPerReceivedFrame:F0} ({r.PinnedPerReceivedFrame / r.Options.FrameBytes:F3}) | ");
            sb.AppendLine(CultureInfo.InvariantCulture, $"{Mb(r.Server.WorkingSetPeak)}; {Mb(r.Client.WorkingSetPeak)} |");
        }

        return sb.ToString();
    }

    private static string Mb(long bytes) => (bytes / 1048576.0).ToString("F0", CultureInfo.InvariantCulture);

    private static Process Start(string role, IEnumerable<string> args)
    {
        var exe = Environment.ProcessPath ?? throw new InvalidOperationException("no process path");
        var psi = new ProcessStartInfo(exe)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = false,
            UseShellExecute = false,
        };

        // Started as "dotnet Epics.Pva.Throughput.dll": the children need the dll too.
        if (Path.GetFileNameWithoutExtension(exe).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            psi.ArgumentList.Add(typeof(Orchestrator).Assembly.Location);
        }

        psi.ArgumentList.Add(role);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        return Process.Start(psi) ?? throw new InvalidOperationException($"could not start {role}");
    }

    private static async Task<string> ReadUntilAsync(Process p, string prefix)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        while (true)
        {
            var line = await p.StandardOutput.ReadLineAsync(timeout.Token)
                ?? throw new InvalidOperationException($"child {p.Id} ended before printing '{prefix.Trim()}' (exit code {(p.HasExited ? p.ExitCode : -1)})");
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return line[prefix.Length..];
            }

            Console.Error.WriteLine($"[child {p.Id}] {line}");
        }
    }
}
