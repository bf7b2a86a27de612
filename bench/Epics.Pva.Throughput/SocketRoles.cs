using System.Net;
using System.Net.Sockets;

namespace Epics.Pva.Throughput;

/// <summary>
/// The baseline: a plain .NET socket pair over loopback moving the same frames (an 8-byte header plus the image
/// bytes, back to back) with no protocol, no encoding and no copies beyond the kernel's.
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
        using var socket = await listener.AcceptAsync();
        socket.NoDelay = true;
        var message = GC.AllocateUninitializedArray<byte>(checked((int)(HeaderBytes + o.FrameBytes)), pinned: true);
        message.AsSpan().Fill(0x5A);
        long sent = 0;
        var sender = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    var n = 0;
                    while (n < message.Length)
                    {
                        n += await socket.SendAsync(message.AsMemory(n), SocketFlags.None);
                    }

                    Interlocked.Increment(ref sent);
                }
            }
            catch (SocketException)
            {
                // the client closed: done
            }
        });

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
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, o.TcpPort));
        var message = GC.AllocateUninitializedArray<byte>(checked((int)(HeaderBytes + o.FrameBytes)), pinned: true);
        using var stats = new ProcessStats();
        var warmupEnds = DateTime.UtcNow.AddSeconds(o.WarmupSeconds);
        var measureEnds = DateTime.MaxValue;
        var measuring = false;
        long frames = 0;
        while (true)
        {
            var n = 0;
            while (n < message.Length)
            {
                var r = await socket.ReceiveAsync(message.AsMemory(n), SocketFlags.None);
                if (r == 0)
                {
                    throw new IOException("baseline server closed early");
                }

                n += r;
            }

            if (measuring)
            {
                frames++;
            }

            var now = DateTime.UtcNow;
            if (!measuring && now >= warmupEnds)
            {
                measuring = true;
                Console.WriteLine("MEASURING");
                stats.Mark();
                measureEnds = now.AddSeconds(o.Seconds);
            }
            else if (measuring && now >= measureEnds)
            {
                break;
            }
        }

        Console.WriteLine("RESULT " + ResultJson.Write(stats.Finish(new RoleResult { Role = "socket-client", Frames = frames, Bytes = frames * o.FrameBytes })));
        return 0;
    }
}
