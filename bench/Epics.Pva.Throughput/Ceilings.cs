using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Epics.Pva.Throughput;

/// <summary>
/// What the machine itself can do, measured in the same run as the scenarios: iperf3 over loopback (when installed)
/// and the memory copy bandwidth of one core.
/// </summary>
internal static class Ceilings
{
    /// <summary>
    /// Runs <c>iperf3 -c 127.0.0.1 -l 1M</c> for <paramref name="seconds"/> against a private <c>iperf3 -s</c> and
    /// returns the received GB/s (10^9 bytes), or null when iperf3 is not installed or fails.
    /// </summary>
    public static async Task<double?> IperfAsync(double seconds)
    {
        var port = FreeTcpPort();
        Process? server;
        try
        {
            server = Process.Start(new ProcessStartInfo("iperf3", ["-s", "-1", "-p", port.ToString(CultureInfo.InvariantCulture)])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // not installed
        }

        if (server is null)
        {
            return null;
        }

        using (server)
        {
            try
            {
                await Task.Delay(300);
                using var client = Process.Start(new ProcessStartInfo("iperf3",
                    ["-c", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-l", "1M", "-J", "-t", Math.Max(1, (int)Math.Round(seconds)).ToString(CultureInfo.InvariantCulture)])
                {
                    RedirectStandardOutput = true,
                    UseShellExecute = false,
                })!;
                var json = await client.StandardOutput.ReadToEndAsync();
                await client.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(seconds + 30));
                using var doc = JsonDocument.Parse(json);
                return doc.RootElement.GetProperty("end").GetProperty("sum_received").GetProperty("bits_per_second").GetDouble() / 8e9;
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or TimeoutException)
            {
                Console.Error.WriteLine($"iperf3 failed: {e.Message}");
                return null;
            }
            finally
            {
                if (!server.HasExited)
                {
                    server.Kill();
                }
            }
        }
    }

    /// <summary>GB/s of <c>Span.CopyTo</c> between two 64 MiB buffers (far beyond the caches), best of a few passes.</summary>
    public static double MemoryCopy()
    {
        const int Bytes = 64 * 1024 * 1024;
        var from = GC.AllocateUninitializedArray<byte>(Bytes, pinned: true);
        var to = GC.AllocateUninitializedArray<byte>(Bytes, pinned: true);
        from.AsSpan().Fill(1);
        to.AsSpan().Fill(2);
        var best = 0.0;
        for (var pass = 0; pass < 5; pass++)
        {
            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < 4; i++)
            {
                from.AsSpan().CopyTo(to);
            }

            best = Math.Max(best, 4.0 * Bytes / Stopwatch.GetElapsedTime(start).TotalSeconds / 1e9);
        }

        return best;
    }

    private static int FreeTcpPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
