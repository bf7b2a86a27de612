using Epics.Pva.Data;
using Epics.Pva.Data.NT;

namespace Epics.Pva.Tests.Data;

/// <summary>
/// Apply copies a nested value of the same layout (a union's member, structure array elements) into the one the target
/// already has: the target never shares an object with the source, and a stream of frames allocates nothing.
/// </summary>
public sealed class PvValueApplyTests
{
    [Fact]
    public void Apply_of_a_frame_keeps_the_target_independent_of_the_source_and_allocates_nothing_once_warm()
    {
        var frame = NTNDArray.Create();
        frame.SetDimensions(4, 2);
        frame.SetImage(PvArray.Allocate(ScalarType.UByte, 8));
        frame.SetAttribute("Gain", 1.5);
        var target = frame.Structure.Clone();

        long allocated = 0;
        for (var id = 1; id <= 3; id++)
        {
            frame.Structure.Changed.Clear();
            var image = PvArray.Allocate(ScalarType.UByte, 8);
            image.WritableBytes[0] = (byte)id;
            frame.SetImage(image);
            frame.UniqueId = id;
            var before = GC.GetAllocatedBytesForCurrentThread();
            target.Apply(frame.Structure);
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Assert.Equal(0, allocated);
        var view = new NTNDArray(target);
        Assert.Equal(3, view.UniqueId);
        Assert.Equal(3, view.Image.Bytes[0]);

        // Changing the source's nested values afterwards leaves the target alone.
        frame.SetAttribute("Gain", 7.0);
        frame.SetImage(PvArray.Allocate(ScalarType.UByte, 8));
        Assert.True(view.TryGetAttribute("Gain", out var gain));
        Assert.Equal(1.5, gain.ValueField.Content!.Root.GetDouble());
        Assert.Equal(3, view.Image.Bytes[0]);
    }
}
