using System.Text.Json.Nodes;
using Epics.Pva.Data;
using Epics.Pva.Data.NT;
using Epics.Pva.Server;
using Epics.Streaming.Consumer.Internal;
using Microsoft.Extensions.Logging.Abstractions;

namespace Epics.Streaming.Processing.Tests;

// A frame a consumer passes through is never copied by the consumer: the received pixels (decoded in place in the
// receive buffer, ValueCodecTests) are the very array the output record holds and its subscribers' queues share, and
// the send loop splices that array into the socket write (ValueCodecTests again). This is the middle of that path.
public class PassthroughCopyTests
{
    [Fact]
    public void The_output_record_holds_the_received_pixels_themselves()
    {
        var record = new SharedPv();
        var publisher = new PvasDataPublisher(record);
        var controller = new ProcessingController(new UserDataProcessor(new JsonObject { ["outputChannel"] = "out" }),
            new ObjectIdTracker(1, 1, skipInitialUpdates: 0), NullLogger.Instance, _ => publisher);
        controller.Start();
        var pixels = new List<PvArray>();
        for (var id = 1; id <= 3; id++)
        {
            var frame = NTNDArray.Create(NTNDArrayLayout.PvaPy);
            frame.AllocateImage<byte>(new ImageShape(1024, 1024)).GetWritableRow(0).Fill((byte)id);
            frame.UniqueId = id;
            pixels.Add(frame.Image);
            controller.Handle(frame.Structure);

            // The first frame opens the record with itself; the later ones are posted into it.
            using var held = record.Snapshot();
            var output = new NTNDArray(held);
            Assert.Equal(id, output.UniqueId);
            Assert.Same(frame.Image, output.Image);
            Assert.True(output.Image.IsPooled);
            frame.Structure.Dispose();
        }

        Assert.Equal(3, publisher.Published);
        Assert.Equal(3, pixels.Distinct().Count());
        controller.Stop();
    }
}
