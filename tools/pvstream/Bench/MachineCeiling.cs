using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Pvstream.Bench;

/// <summary>
/// What the machine itself can move, measured in the same run as the tables (<c>--ceiling</c>): a plain TCP socket
/// pair over loopback with large buffers and 1 MiB writes, the memory copy bandwidth of one core, and
/// <c>iperf3 -l 1M</c> when it is installed. Every bench figure can then be read as a fraction of these.
/// </summary>
internal static class MachineCeiling
{
    public sealed record Result(double SocketPairGBps, double MemoryCopyGBps, double? IperfGBps)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"Machine ceiling: loopback socket pair {SocketPairGBps:0.00} GB/s, memory copy {MemoryCopyGBps:0.00} GB/s, iperf3 -l 1M {(IperfGBps is { } i ? $"{i:0.00} GB/s" : "not installed")}");
    }

    public static async Task<Result> MeasureAsync(TimeSpan duration, CancellationToken cancellationToken)
    {
        var socketPair = await SocketPairAsync(duration, cancellationToken).ConfigureAwait(false);
        var copy = MemoryCopy();
        var iperf = await IperfAsync(duration, cancellationToken).ConfigureAwait(false);
        return new Result(socketPair, copy, iperf);
    }

    /// <summary>GB/s (10^9 bytes) one connection moves over loopback: 1 MiB writes, 1 MiB reads, 4 MiB socket buffers.</summary>
    public static async Task<double> SocketPairAsync(TimeSpan duration, CancellationToken cancellationToken)
    {
        const int Chunk = 1 << 20;
        const int Buffers = 4 << 20;
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { SendBufferSize = Buffers, NoDelay = true };
        await sender.ConnectAsync(listener.LocalEndPoint!, cancellationToken).ConfigureAwait(false);
        using var receiver = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
        receiver.ReceiveBufferSize = Buffers;

        var stop = false;
        var send = Task.Run(async () =>
        {
            var data = GC.AllocateUninitializedArray<byte>(Chunk, pinned: true);
            while (!Volatile.Read(ref stop))
            {
                await sender.SendAsync(data, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            }

            sender.Shutdown(SocketShutdown.Send);
        }, cancellationToken);

        var buffer = GC.AllocateUninitializedArray<byte>(Chunk, pinned: true);
        long received = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            received += await receiver.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }

        var seconds = clock.Elapsed.TotalSeconds;
        Volatile.Write(ref stop, true);
        while (await receiver.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false) > 0)
        {
            // Drain so the sender's last write completes.
        }

        await send.ConfigureAwait(false);
        return received / seconds / 1e9;
    }

    /// <summary>GB/s of copying between two 64 MiB buffers (far beyond the caches), best of five passes.</summary>
    public static double MemoryCopy()
    {
        const int Bytes = 64 << 20;
        var from = GC.AllocateUninitializedArray<byte>(Bytes, pinned: true);
        var to = GC.AllocateUninitializedArray<byte>(Bytes, pinned: true);
        from.AsSpan().Fill(1);
        to.AsSpan().Fill(2);
        var best = 0.0;
        for (var pass = 0; pass < 5; pass++)
        {
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < 4; i++)
            {
                from.AsSpan().CopyTo(to);
            }

            best = Math.Max(best, 4.0 * Bytes / clock.Elapsed.TotalSeconds / 1e9);
        }

        return best;
    }

    /// <summary><c>iperf3 -c 127.0.0.1 -l 1M</c> against a private <c>iperf3 -s</c>; null when iperf3 is missing or fails.</summary>
    public static async Task<double?> IperfAsync(TimeSpan duration, CancellationToken cancellationToken)
    {
        int port;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }

        var portText = port.ToString(CultureInfo.InvariantCulture);
        Process? server;
        try
        {
            server = Process.Start(new ProcessStartInfo("iperf3", ["-s", "-1", "-p", portText]) { RedirectStandardOutput = true, UseShellExecute = false });
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }

        if (server is null)
        {
            return null;
        }

        using (server)
        {
            try
            {
                await Task.Delay(300, cancellationToken).ConfigureAwait(false);
                var seconds = Math.Max(1, (int)Math.Round(duration.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                using var client = Process.Start(new ProcessStartInfo("iperf3", ["-c", "127.0.0.1", "-p", portText, "-l", "1M", "-J", "-t", seconds])
                {
                    RedirectStandardOutput = true,
                    UseShellExecute = false,
                })!;
                var json = await client.StandardOutput.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
                await client.WaitForExitAsync(cancellationToken).WaitAsync(duration + TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
                using var doc = JsonDocument.Parse(json);
                return doc.RootElement.GetProperty("end").GetProperty("sum_received").GetProperty("bits_per_second").GetDouble() / 8e9;
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or TimeoutException)
            {
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
}
