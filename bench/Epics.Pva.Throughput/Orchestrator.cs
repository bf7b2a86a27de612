using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Epics.Pva.Throughput;

/// <summary>Runs a scenario as two child processes of this executable (server first, then client) and collects results.</summary>
internal static class Orchestrator
{
    public sealed record Outcome(HarnessOptions Options, RoleResult Server, RoleResult Client)
    {
        public double FramesPerSecond => Client.Frames / Client.Seconds;

        public double GigabytesPerSecond => Client.Bytes / Client.Seconds / 1e9;
    }

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

    public static void PrintDetail(Outcome r, Outcome? baseline)
    {
        var o = r.Options;
        Console.WriteLine($"{o.FrameText}, queueSize={o.EffectiveQueue}, {r.Client.Seconds:F1} s measured");
        Console.WriteLine($"  frames/s      {r.FramesPerSecond,12:N0}   GB/s {r.GigabytesPerSecond:F2}   lost {r.Client.Lost}");
        if (baseline is not null)
        {
            Console.WriteLine($"  socket pair   {baseline.FramesPerSecond,12:N0}   GB/s {baseline.GigabytesPerSecond:F2}   => PVA at {100 * r.GigabytesPerSecond / baseline.GigabytesPerSecond:F0}% of it");
        }

        foreach (var p in new[] { r.Server, r.Client })
        {
            Console.WriteLine($"  {p.Role,-11} CPU {1e6 * p.CpuSeconds / Math.Max(1, r.Client.Frames),8:F2} µs/frame ({100 * p.CpuSeconds / p.Seconds:F0}% of a core)" +
                $"  GC {p.Gen0}/{p.Gen1}/{p.Gen2}  alloc {p.AllocatedBytes / (double)Math.Max(1, r.Client.Frames):F0} B/frame" +
                $"  pool new {p.PoolAllocations}  pool items/frame {p.WorkItems / (double)Math.Max(1, r.Client.Frames):F1} contentions {p.LockContentions} threads {p.Threads}  WS {Mb(p.WorkingSetStart)}→{Mb(p.WorkingSetEnd)} (peak {Mb(p.WorkingSetPeak)}) MB");
        }

        if (r.Client.Note.Length > 0)
        {
            Console.WriteLine($"  client: {r.Client.Note}");
        }
    }

    public static string Table(IReadOnlyList<(Outcome Pva, Outcome? Socket)> rows)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| Frames | queueSize | frames/s | GB/s | lost | socket pair GB/s | % of socket | CPU µs/frame (server+client) | GC gen0/1/2 (server; client) | client alloc B/frame | working set MB start→end (peak), server; client |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---|");
        foreach (var (r, b) in rows)
        {
            var frames = Math.Max(1, r.Client.Frames);
            sb.Append(CultureInfo.InvariantCulture, $"| {r.Options.FrameText} | {r.Options.EffectiveQueue} | {r.FramesPerSecond:N0} | {r.GigabytesPerSecond:F2} | {r.Client.Lost} | ");
            sb.Append(b is null ? "- | - | " : string.Create(CultureInfo.InvariantCulture, $"{b.GigabytesPerSecond:F2} | {100 * r.GigabytesPerSecond / b.GigabytesPerSecond:F0}% | "));
            sb.Append(CultureInfo.InvariantCulture, $"{1e6 * r.Server.CpuSeconds / frames:F2} + {1e6 * r.Client.CpuSeconds / frames:F2} | ");
            sb.Append(CultureInfo.InvariantCulture, $"{r.Server.Gen0}/{r.Server.Gen1}/{r.Server.Gen2}; {r.Client.Gen0}/{r.Client.Gen1}/{r.Client.Gen2} | ");
            sb.Append(CultureInfo.InvariantCulture, $"{r.Client.AllocatedBytes / (double)frames:F0} | ");
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"{Mb(r.Server.WorkingSetStart)}→{Mb(r.Server.WorkingSetEnd)} ({Mb(r.Server.WorkingSetPeak)}); {Mb(r.Client.WorkingSetStart)}→{Mb(r.Client.WorkingSetEnd)} ({Mb(r.Client.WorkingSetPeak)}) |");
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
