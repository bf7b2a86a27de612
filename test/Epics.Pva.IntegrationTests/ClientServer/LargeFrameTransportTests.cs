using System.Runtime.InteropServices;
using Epics.Pva.Data;
using Epics.Pva.Data.NT;
using Epics.Pva.Server;

namespace Epics.Pva.IntegrationTests.ClientServer;

/// <summary>
/// Large frames over a real connection: a received frame keeps a pooled buffer hardly larger than itself, equal
/// frames reuse the same few buffers, and the receive tuning for large payloads (wake-up threshold, header-only read
/// after a frame) never delays the small messages that follow.
/// </summary>
public sealed class LargeFrameTransportTests
{
    private const string Name = "frames";

    [Theory]
    [InlineData(1024, 1024)]
    [InlineData(2048, 2048)]
    public async Task A_received_frame_keeps_a_buffer_within_5_percent_of_its_size_and_equal_frames_reuse_buffers(int width, int height)
    {
        var frame = NTNDArray.Create();
        var pv = new SharedPv(frame.Structure);
        await using var lo = await Loopback.StartAsync(s => s.AddPv(Name, pv));
        await using var sub = lo.Client.Subscribe(Name, "record[queueSize=2,pipeline=true]field()");
        using (await sub.ReadAsync(Loopback.Deadline()))
        {
        }

        var producer = Task.Run(async () =>
        {
            for (var id = 1; id <= 12; id++)
            {
                await pv.WaitForRoomAsync(Loopback.Deadline());
                Post(pv, frame, id, width, height);
            }
        });

        var buffers = new HashSet<byte[]>(ReferenceEqualityComparer.Instance);
        var deadline = Loopback.Deadline();
        for (var id = 1; id <= 12; id++)
        {
            using var update = await sub.ReadAsync(deadline);
            var image = new NTNDArray(update!.Value).Image;
            Assert.Equal(id, new NTNDArray(update.Value).UniqueId);
            Assert.Equal(id, MemoryMarshal.Read<int>(image.Bytes));
            Assert.True(image.TryGetByteSegment(out var segment));
            Assert.InRange(segment.Array!.Length, image.ByteLength, image.ByteLength * 1.05);
            buffers.Add(segment.Array);
        }

        await producer.WaitAsync(Loopback.Timeout);

        // Two in the queue, one being read, one arriving, and the server side of the same pool: a handful, not twelve.
        Assert.InRange(buffers.Count, 1, 6);
    }

    [Fact]
    public async Task Small_messages_right_after_large_frames_arrive_without_delay()
    {
        var frame = NTNDArray.Create();
        var pv = new SharedPv(frame.Structure);
        var counter = new SharedPv(Loopback.Counter(7));
        await using var lo = await Loopback.StartAsync(s =>
        {
            s.AddPv(Name, pv);
            s.AddPv("counter", counter);
        });
        await using var sub = lo.Client.Subscribe(Name, "record[queueSize=4,pipeline=true]field()");
        using (await sub.ReadAsync(Loopback.Deadline()))
        {
        }

        // Frame sizes alternate between large (read straight into their own buffer) and small (read through the
        // connection's buffer), with a get on the same connection after each: all within the test's timeout.
        int[] sides = [1024, 16, 1536, 1024, 8, 2048, 64];
        var deadline = Loopback.Deadline();
        for (var i = 0; i < sides.Length; i++)
        {
            await pv.WaitForRoomAsync(deadline);
            Post(pv, frame, i + 1, sides[i], sides[i]);
            using var update = await sub.ReadAsync(deadline);
            var received = new NTNDArray(update!.Value);
            Assert.Equal(i + 1, received.UniqueId);
            Assert.Equal(sides[i] * sides[i], received.Image.Count);
            var value = await lo.Client.GetAsync("counter", cancellationToken: deadline);
            Assert.Equal(7, value["value"].GetInt32());
        }
    }

    private static void Post(SharedPv pv, NTNDArray frame, int id, int width, int height)
    {
        var image = PvArray.Allocate(ScalarType.UByte, width * height);
        image.WritableBytes.Clear();
        MemoryMarshal.Write(image.WritableBytes, id);
        frame.Structure.Changed.Clear();
        frame.SetImage(image);
        frame.SetDimensions(width, height);
        frame.UniqueId = id;
        pv.Post(frame.Structure);
    }
}
