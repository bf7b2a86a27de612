using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Epics.Pva.IntegrationTests.Discovery;
using Epics.Pva.Server;

namespace Epics.Pva.IntegrationTests.ClientServer;

/// <summary>
/// Hostile clients over raw sockets: a message that would cost the server far more than its size closes that one
/// connection with a logged reason, the server's memory stays bounded, and other clients are served meanwhile.
/// </summary>
public class HostileInputTests
{
    // A type description of a few hundred bytes that expands to width^levels fields: key k is a structure of `width`
    // members, the first defining key k-1 inline (0xFD), the others referring to it (0xFE).
    private static void TypeBomb(List<byte> output, int width, int level)
    {
        output.AddRange([0xFD, (byte)level, 0, 0x80, 0, (byte)width]);
        for (var m = 0; m < width; m++)
        {
            output.AddRange([1, (byte)('a' + m)]);
            if (level == 1)
            {
                output.Add(0x22);
            }
            else if (m == 0)
            {
                TypeBomb(output, width, level - 1);
            }
            else
            {
                output.AddRange([0xFE, (byte)(level - 1), 0]);
            }
        }
    }

    private static byte[] Message(byte command, List<byte> payload)
    {
        var message = new byte[8 + payload.Count];
        message[0] = 0xCA;
        message[1] = 2;
        message[2] = 0; // client, little endian
        message[3] = command;
        BinaryPrimitives.WriteInt32LittleEndian(message.AsSpan(4), payload.Count);
        payload.CopyTo(message, 8);
        return message;
    }

    private static async Task<Socket> ConnectAndReadGreetingAsync(int port)
    {
        var raw = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await raw.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)).WaitAsync(Loopback.Timeout);
        // SET_BYTE_ORDER (8 bytes) and the server's CONNECTION_VALIDATION request follow at once.
        var buffer = new byte[1024];
        var total = 0;
        while (total < 16)
        {
            var n = await raw.ReceiveAsync(buffer.AsMemory(total)).AsTask().WaitAsync(Loopback.Timeout);
            Assert.True(n > 0, "the server closed before greeting");
            total += n;
        }

        return raw;
    }

    // Reads until the server closes the connection (a reset counts as closed).
    private static async Task AssertClosedByServerAsync(Socket raw)
    {
        var buffer = new byte[4096];
        try
        {
            while (await raw.ReceiveAsync(buffer).WaitAsync(Loopback.Timeout) > 0)
            {
            }
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
        }
    }

    private static long ManagedMemory() => GC.GetTotalMemory(forceFullCollection: true);

    [Fact]
    public async Task A_type_bomb_in_connection_validation_closes_that_connection_before_authentication()
    {
        using var logs = new CapturingLoggerFactory();
        var pv = new SharedPv(Loopback.Counter(5));
        await using var lo = await Loopback.StartAsync(s => s.AddPv("x", pv), PvaServerOptions.Isolated() with { LoggerFactory = logs });
        var before = ManagedMemory();

        using var raw = await ConnectAndReadGreetingAsync(lo.Server.TcpPort);
        var payload = new List<byte>();
        payload.AddRange([0, 0, 1, 0, 0, 0x7F, 0, 0]); // receive buffer size, registry size, QoS
        payload.AddRange([9, .. Encoding.ASCII.GetBytes("anonymous")]);
        TypeBomb(payload, width: 10, level: 8); // 10^8 fields if expanded
        Assert.True(payload.Count < 4096);
        await raw.SendAsync(Message(1, payload)).WaitAsync(Loopback.Timeout);
        await AssertClosedByServerAsync(raw);

        Assert.True(ManagedMemory() - before < 64L * 1024 * 1024, "the server's memory grew");
        Assert.Contains(logs.Lines, l => l.Contains("protocol error", StringComparison.Ordinal) && l.Contains("fields", StringComparison.Ordinal));
        Assert.Equal(5, (await lo.Client.GetAsync("x", cancellationToken: Loopback.Deadline()))["value"].GetInt32());
    }

    [Fact]
    public async Task A_header_claiming_a_gigabyte_reserves_nothing_and_an_oversized_one_is_refused()
    {
        using var logs = new CapturingLoggerFactory();
        var options = PvaServerOptions.Isolated() with { LoggerFactory = logs, Limits = PvaLimits.Default with { MaxMessageSize = 64 * 1024 * 1024 } };
        await using var lo = await Loopback.StartAsync(s => s.AddPv("x", new SharedPv(Loopback.Counter(1))), options);

        // Just over the limit: refused at the header, with a reason, no internal error.
        using (var raw = await ConnectAndReadGreetingAsync(lo.Server.TcpPort))
        {
            var header = new byte[8];
            header[0] = 0xCA;
            header[1] = 2;
            header[3] = 1;
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4), 1_500_000_000);
            await raw.SendAsync(header).WaitAsync(Loopback.Timeout);
            await AssertClosedByServerAsync(raw);
        }

        Assert.Contains(logs.Lines, l => l.Contains("over the limit", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, l => l.StartsWith("Error", StringComparison.Ordinal));

        // Within the limit but never sent: the header alone must not make the server hold its claimed size.
        var before = Process.GetCurrentProcess().WorkingSet64;
        var sockets = new List<Socket>();
        for (var i = 0; i < 8; i++)
        {
            var raw = await ConnectAndReadGreetingAsync(lo.Server.TcpPort);
            var header = new byte[8];
            header[0] = 0xCA;
            header[1] = 2;
            header[3] = 1;
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4), 60 * 1024 * 1024);
            await raw.SendAsync(header).WaitAsync(Loopback.Timeout);
            sockets.Add(raw);
        }

        Assert.Equal(1, (await lo.Client.GetAsync("x", cancellationToken: Loopback.Deadline()))["value"].GetInt32());
        foreach (var s in sockets)
        {
            s.Dispose();
        }

        Assert.True(Process.GetCurrentProcess().WorkingSet64 - before < 256L * 1024 * 1024, "headers alone reserved memory");
    }

    [Fact]
    public async Task A_segmented_message_that_never_ends_is_cut_at_the_limit()
    {
        using var logs = new CapturingLoggerFactory();
        var options = PvaServerOptions.Isolated() with { LoggerFactory = logs, Limits = PvaLimits.Default with { MaxMessageSize = 4 * 1024 * 1024 } };
        await using var lo = await Loopback.StartAsync(s => s.AddPv("x", new SharedPv(Loopback.Counter(3))), options);
        using var raw = await ConnectAndReadGreetingAsync(lo.Server.TcpPort);

        var segment = new byte[8 + 64 * 1024];
        segment[0] = 0xCA;
        segment[1] = 2;
        segment[3] = 1;
        BinaryPrimitives.WriteInt32LittleEndian(segment.AsSpan(4), 64 * 1024);
        try
        {
            for (var i = 0; i < 200; i++) // 12.5 MiB of segments that never end
            {
                segment[2] = (byte)(i == 0 ? 0x10 : 0x30); // first, then middle segments
                await raw.SendAsync(segment).WaitAsync(Loopback.Timeout);
            }
        }
        catch (SocketException)
        {
            // the server closed it mid-way: that is the point
        }

        await AssertClosedByServerAsync(raw);
        Assert.Contains(logs.Lines, l => l.Contains("segmented message grows over the limit", StringComparison.Ordinal));
        Assert.Equal(3, (await lo.Client.GetAsync("x", cancellationToken: Loopback.Deadline()))["value"].GetInt32());
    }
}
