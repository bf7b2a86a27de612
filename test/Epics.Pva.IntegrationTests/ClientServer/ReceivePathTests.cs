using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Epics.Pva.Data;
using Epics.Pva.Protocol;
using Epics.Pva.Transport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Epics.Pva.IntegrationTests.ClientServer;

/// <summary>
/// The connection's receive loop over a real socket, fed by raw bytes: segmented frames (as pvAccessCPP sends them)
/// are reassembled into a buffer sized from the previous one, and large messages in a row arrive whole and in order.
/// </summary>
public sealed class ReceivePathTests
{
    [Fact]
    public async Task Equal_segmented_frames_after_the_first_are_reassembled_in_a_buffer_within_5_percent_of_their_size()
    {
        const int Frame = 1024 * 1024 + 300;
        await using var pair = await RawPair.StartAsync();
        for (var i = 0; i < 3; i++)
        {
            await pair.SendSegmentedAsync(Frame, 16 * 1024, fill: (byte)i);
        }

        var received = await pair.Connection.TakeAsync(3);
        Assert.All(received, r => Assert.Equal(Frame, r.Length));
        Assert.Equal([0, 1, 2], received.Select(r => r.First));
        Assert.All(received.Skip(1), r => Assert.InRange(r.BufferLength, Frame, Frame * 1.05));
    }

    [Fact]
    public async Task Large_messages_back_to_back_with_small_ones_between_arrive_whole_and_in_order()
    {
        await using var pair = await RawPair.StartAsync();
        int[] sizes = [3 * 1024 * 1024, 5 * 1024 * 1024, 100, 2 * 1024 * 1024, 40, 300 * 1024, 1024 * 1024];
        var bytes = new List<byte>();
        for (var i = 0; i < sizes.Length; i++)
        {
            bytes.AddRange(RawPair.Message(sizes[i], 0, (byte)(i + 1)));
        }

        await pair.SendAsync([.. bytes]);
        var received = await pair.Connection.TakeAsync(sizes.Length);
        Assert.Equal(sizes, received.Select(r => r.Length));
        Assert.Equal(Enumerable.Range(1, sizes.Length).Select(i => (byte)i), received.Select(r => r.First));
        Assert.All(received, r => Assert.True(r.Last == r.First, "payload not read whole"));
    }

    [Fact]
    public async Task Messages_from_64_KiB_up_are_read_into_a_buffer_of_their_own_size_and_small_ones_are_not()
    {
        // 64 to 256 KiB used to fit the connection's small-message buffer and were copied out of it by the decoder.
        await using var pair = await RawPair.StartAsync();
        int[] sizes = [100, 64 * 1024, 64 * 1024 - 1, 100 * 1024, 40, 200 * 1024, 255 * 1024, 300, 256 * 1024];
        var bytes = new List<byte>();
        for (var i = 0; i < sizes.Length; i++)
        {
            bytes.AddRange(RawPair.Message(sizes[i], 0, (byte)(i + 1)));
        }

        await pair.SendAsync([.. bytes]);
        var received = await pair.Connection.TakeAsync(sizes.Length);
        Assert.Equal(sizes, received.Select(r => r.Length));
        Assert.All(received, r => Assert.True(r.Last == r.First, "payload not read whole"));
        foreach (var r in received)
        {
            if (r.Length >= MessageBuilder.SpliceThreshold)
            {
                Assert.InRange(r.BufferLength, r.Length, r.Length * 1.05);
            }
            else
            {
                Assert.Equal(0, r.BufferLength);
            }
        }
    }

    private sealed record Received(int Length, byte First, byte Last, int BufferLength);

    // A client-side connection that records each message and adopts large payload buffers (as a decoded frame does).
    private sealed class RecordingConnection(Socket socket) : PvaConnection(socket, isServer: false, NullLogger.Instance, TimeProvider.System)
    {
        private readonly List<Received> _received = [];
        private readonly SemaphoreSlim _arrived = new(0);

        public async Task<List<Received>> TakeAsync(int count)
        {
            for (var i = 0; i < count; i++)
            {
                Assert.True(await _arrived.WaitAsync(Loopback.Timeout), $"only {i} of {count} messages arrived");
            }

            lock (_received)
            {
                return [.. _received];
            }
        }

        protected override void OnMessage(in PvaHeader header, ReadOnlySpan<byte> payload)
        {
            var bufferLength = 0;
            if (CurrentBacking is { Buffer: { } buffer } backing)
            {
                backing.Adopted = true;
                bufferLength = buffer.Length;
                FrameBufferPool.Shared.Return(buffer);
            }

            lock (_received)
            {
                _received.Add(new Received(payload.Length, payload[0], payload[^1], bufferLength));
            }

            _arrived.Release();
        }

        protected override void OnClosed(string reason)
        {
        }
    }

    private sealed class RawPair : IAsyncDisposable
    {
        private readonly Socket _raw;

        private RawPair(Socket raw, RecordingConnection connection)
        {
            _raw = raw;
            Connection = connection;
        }

        public RecordingConnection Connection { get; }

        public static async Task<RawPair> StartAsync()
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(1);
            var ours = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            var accept = listener.AcceptAsync();
            await ours.ConnectAsync(listener.LocalEndPoint!).WaitAsync(Loopback.Timeout);
            var raw = await accept.WaitAsync(Loopback.Timeout);
            var connection = new RecordingConnection(ours);
            connection.Start();
            return new RawPair(raw, connection);
        }

        // A server-to-client application message of `size` bytes (command 13, monitor), all bytes `fill`.
        public static byte[] Message(int size, byte segmentFlags, byte fill)
        {
            var message = new byte[PvaHeader.Size + size];
            message[0] = PvaHeader.Magic;
            message[1] = PvaHeader.CurrentVersion;
            message[2] = (byte)(PvaHeader.FlagServer | segmentFlags);
            message[3] = 13;
            BinaryPrimitives.WriteInt32LittleEndian(message.AsSpan(4), size);
            message.AsSpan(PvaHeader.Size).Fill(fill);
            return message;
        }

        public async Task SendAsync(byte[] bytes) => await _raw.SendAsync(bytes).WaitAsync(Loopback.Timeout);

        public async Task SendSegmentedAsync(int size, int segment, byte fill)
        {
            var bytes = new List<byte>();
            for (var offset = 0; offset < size; offset += segment)
            {
                var n = Math.Min(segment, size - offset);
                var flags = offset == 0 ? PvaHeader.SegmentFirst : offset + n == size ? PvaHeader.SegmentLast : PvaHeader.SegmentMiddle;
                bytes.AddRange(Message(n, flags, fill));
            }

            await SendAsync([.. bytes]);
        }

        public async ValueTask DisposeAsync()
        {
            _raw.Dispose();
            await Connection.DisposeAsync().AsTask().WaitAsync(Loopback.Timeout);
        }
    }
}
