using System.Net;
using System.Net.Sockets;

namespace Epics.Pva.Throughput;

/// <summary>
/// The baseline: a plain .NET socket pair over loopback moving the same frames (an 8-byte header plus the image
/// bytes, back to back) with no protocol, no encoding and no copies beyond the kernel's. Tuned as well as plain .NET
/// socket code can be: each frame goes in one send and is read with reads as large as what is left of it; the reader
/// is woken only once 1 MiB has arrived (SO_RCVLOWAT, --socket-lowat), so a frame takes a few large reads; async calls
/// (--socket-mode async, the default) or a dedicated thread with blocking calls (--socket-mode blocking), whichever
/// is faster on the machine (async was, on the 2-core development machine under load). --socket-io caps the bytes per
/// call (1 MiB is what iperf3 -l 1M does) and --socket-buffer fixes SO_SNDBUF/SO_RCVBUF; both were slower here than
/// whole-frame calls with the kernel's autotuned buffers (docs/benchmarks.md, --ceilings-only runs).
/// </summary>
internal static class SocketRoles
{
    private const int HeaderBytes = 8;

    public static async Task<int> ServeAsync(HarnessOptions o)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        Console.WriteLine($"READY 0 {((IPEndPoint)listener.LocalEndPoint!).Port}");

        // A synchronous accept leaves the socket blocking; one async call would make it non-blocking for good.
        using var socket = o.SocketMode == "async" ? await listener.AcceptAsync() : await Task.Run(listener.Accept);
        Tune(socket, o);
        var message = GC.AllocateUninitializedArray<byte>(checked((int)(HeaderBytes + o.FrameBytes)), pinned: true);
        message.AsSpan().Fill(0x5A);
        long sent = 0;
        Task sender;
        if (o.SocketMode == "async")
        {
            sender = Task.Run(async () =>
            {
                try
                {
                    while (true)
                    {
                        var n = 0;
                        while (n < message.Length)
                        {
                            n += await socket.SendAsync(message.AsMemory(n, Chunk(o, message.Length - n)), SocketFlags.None);
                        }

                        Interlocked.Increment(ref sent);
                    }
                }
                catch (SocketException)
                {
                    // the client closed: done
                }
            });
        }
        else
        {
            sender = Task.Factory.StartNew(() =>
            {
                try
                {
                    while (true)
                    {
                        var n = 0;
                        while (n < message.Length)
                        {
                            n += socket.Send(message.AsSpan(n, Chunk(o, message.Length - n)), SocketFlags.None);
                        }

                        Interlocked.Increment(ref sent);
                    }
                }
                catch (SocketException)
                {
                }
                catch (ObjectDisposedException)
                {
                }
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }

        using var stats = new ProcessStats();
        long sentAtMark = 0;
        while (await StdinLine.ReadAsync() is { } line)
        {
            if (line == "MARK")
            {
                sentAtMark = Interlocked.Read(ref sent);
                stats.Mark();
            }
            else if (line == "STOP")
            {
                var frames = Interlocked.Read(ref sent) - sentAtMark;
                Console.WriteLine("RESULT " + ResultJson.Write(stats.Finish(new RoleResult { Role = "socket-server", Frames = frames, Bytes = frames * o.FrameBytes })));
                break;
            }
        }

        socket.Close();
        await sender;
        return 0;
    }

    public static async Task<int> ClientAsync(HarnessOptions o)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        Tune(socket, o);
        if (o.SocketMode == "async")
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, o.TcpPort));
        }
        else
        {
            socket.Connect(new IPEndPoint(IPAddress.Loopback, o.TcpPort));
        }

        var message = GC.AllocateUninitializedArray<byte>(checked((int)(HeaderBytes + o.FrameBytes)), pinned: true);
        using var stats = new ProcessStats();
        var result = o.SocketMode == "async"
            ? await ReceiveFramesAsync(socket, message, o, stats)
            : await Task.Factory.StartNew(() => ReceiveFrames(socket, message, o, stats), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        Console.WriteLine("RESULT " + ResultJson.Write(result));
        return 0;
    }

    private static async Task<RoleResult> ReceiveFramesAsync(Socket socket, byte[] message, HarnessOptions o, ProcessStats stats)
    {
        var window = new Window(o, stats);
        while (true)
        {
            var n = 0;
            while (n < message.Length)
            {
                var r = await socket.ReceiveAsync(message.AsMemory(n, Chunk(o, message.Length - n)), SocketFlags.None);
                n += r > 0 ? r : throw new IOException("baseline server closed early");
            }

            if (window.Frame())
            {
                return window.Result;
            }
        }
    }

    private static RoleResult ReceiveFrames(Socket socket, byte[] message, HarnessOptions o, ProcessStats stats)
    {
        var window = new Window(o, stats);
        while (true)
        {
            var n = 0;
            while (n < message.Length)
            {
                var r = socket.Receive(message.AsSpan(n, Chunk(o, message.Length - n)), SocketFlags.None);
                n += r > 0 ? r : throw new IOException("baseline server closed early");
            }

            if (window.Frame())
            {
                return window.Result;
            }
        }
    }

    // Bytes for the next call: the rest of the frame, or at most --socket-io.
    private static int Chunk(HarnessOptions o, int rest) => o.SocketIoBytes > 0 ? Math.Min(rest, o.SocketIoBytes) : rest;

    private static void Tune(Socket socket, HarnessOptions o)
    {
        socket.NoDelay = true;
        if (o.SocketBufferBytes > 0)
        {
            // Setting a size turns off the kernel's autotuning of this socket (capped by net.core.[rw]mem_max).
            socket.SendBufferSize = o.SocketBufferBytes;
            socket.ReceiveBufferSize = o.SocketBufferBytes;
        }

        if (o.SocketLowWater > 0 && OperatingSystem.IsLinux())
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReceiveLowWater, o.SocketLowWater);
        }
    }

    // The client's warm-up and measured window, counted in whole frames.
    private sealed class Window(HarnessOptions o, ProcessStats stats)
    {
        private readonly DateTime _warmupEnds = DateTime.UtcNow.AddSeconds(o.WarmupSeconds);
        private DateTime _measureEnds = DateTime.MaxValue;
        private bool _measuring;
        private long _frames;

        public RoleResult Result => stats.Finish(new RoleResult { Role = "socket-client", Frames = _frames, Bytes = _frames * o.FrameBytes });

        public bool Frame()
        {
            if (_measuring)
            {
                _frames++;
            }

            var now = DateTime.UtcNow;
            if (!_measuring && now >= _warmupEnds)
            {
                _measuring = true;
                Console.WriteLine("MEASURING");
                stats.Mark();
                _measureEnds = now.AddSeconds(o.Seconds);
            }

            return _measuring && now >= _measureEnds;
        }
    }
}
