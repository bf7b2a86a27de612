using Epics.Pva.Data;
using Epics.Pva.Data.NT;

namespace Epics.Pva.Tests.Data;

/// <summary>Building and replacing images, and copy-on-write of shared frames.</summary>
public class NTNDArrayImageTests
{
    [Theory]
    [InlineData(NDColorMode.Mono, new[] { 64, 32 })]
    [InlineData(NDColorMode.RGB1, new[] { 3, 64, 32 })]
    [InlineData(NDColorMode.RGB2, new[] { 64, 3, 32 })]
    [InlineData(NDColorMode.RGB3, new[] { 64, 32, 3 })]
    public void Create_builds_a_consistent_frame(NDColorMode mode, int[] dimensions)
    {
        var pool = new FrameBufferPool();
        var frame = NTNDArray.Create(new ImageShape(64, 32, mode), ScalarType.Float, NTNDArrayLayout.PvaPy, pool);
        Assert.Equal(dimensions, frame.Shape);
        Assert.Equal(mode, frame.ColorMode);
        Assert.Equal(ScalarType.Float, frame.ElementType);
        Assert.Equal("floatValue", frame.ValueField.SelectedName);
        var bytes = 64 * 32 * (mode == NDColorMode.Mono ? 1 : 3) * 4;
        Assert.Equal(bytes, frame.CompressedSize);
        Assert.Equal(bytes, frame.UncompressedSize);
        Assert.True(frame.Image.IsPooled);
        Assert.Equal(1, pool.Allocations);
        Assert.True(frame.GetImage<float>().IsWritable);
    }

    [Fact]
    public void AllocateImage_gives_a_writable_view_of_a_new_pooled_array()
    {
        var frame = NTNDArray.Create(NTNDArrayLayout.Pvxs);
        var image = frame.AllocateImage<ushort>(new ImageShape(100, 50));
        image.GetWritableRow(49).Fill(7);
        image.GetWritablePixel(0, 0)[0] = 1;
        Assert.Equal(7, frame.GetImage<ushort>()[99, 49]);
        Assert.Equal(1, frame.GetImage<ushort>()[0, 0]);
        Assert.Same(image.Array, frame.Image);
        Assert.True(frame.Image.IsPooled);
        Assert.Equal([100, 50], frame.Shape);
        Assert.Equal(NDColorMode.Mono, frame.ColorMode);
    }

    [Fact]
    public void Replacing_the_image_with_the_same_geometry_changes_only_the_data()
    {
        var frame = NTNDArray.Create(new ImageShape(16, 8), ScalarType.UByte, NTNDArrayLayout.PvaPy);
        var type = frame.Structure.Type;
        var dimensions = frame.Structure["dimension"].Elements.ToArray();
        var attributes = frame.Structure["attribute"].Elements.ToArray();
        frame.Structure.Changed.Clear();

        frame.SetImage(PvArray.Allocate(ScalarType.UByte, 128), new ImageShape(16, 8));

        Assert.Equal([type.OffsetOf("value")], frame.Structure.Changed.GetBits());
        Assert.Equal(dimensions, frame.Structure["dimension"].Elements);
        Assert.Equal(attributes, frame.Structure["attribute"].Elements);
    }

    [Fact]
    public void Replacing_the_image_with_another_geometry_updates_dimensions_colour_mode_sizes_and_codec()
    {
        var frame = NTNDArray.Create(NTNDArrayLayout.PvaPy);
        frame.SetDimensions(16, 8);
        frame.SetCompressedImage(PvArray.Create<byte>([9, 9, 9]), "bslz4", ScalarType.UShort, 256);
        frame.SetAttribute("Exposure", 1.0);
        var exposure = frame.FindAttribute("Exposure")!.Value.Structure;

        frame.SetImage(PvArray.Allocate(ScalarType.UShort, 3 * 4 * 2), new ImageShape(4, 2, NDColorMode.RGB2));

        Assert.Equal([4, 3, 2], frame.Shape);
        Assert.Equal(NDColorMode.RGB2, frame.ColorMode);
        Assert.Equal(new NTNDArrayCodec("", null, 48, 48), frame.Codec);
        Assert.Equal(ScalarType.UShort, frame.ElementType);
        Assert.Same(exposure, frame.FindAttribute("Exposure")!.Value.Structure);
        Assert.Equal(new ImageShape(4, 2, NDColorMode.RGB2), frame.GetImage<ushort>().Shape);
    }

    [Fact]
    public void An_image_of_the_wrong_size_is_refused_and_stays_the_callers()
    {
        var frame = NTNDArray.Create();
        using var image = PvArray.Allocate(ScalarType.UByte, 10);
        Assert.Throws<ArgumentException>(() => frame.SetImage(image, new ImageShape(4, 4)));
        Assert.True(image.IsExclusive);
        Assert.Null(frame.ElementType);
    }

    [Fact]
    public void Dimensions_of_the_same_rank_are_rewritten_in_place()
    {
        var frame = NTNDArray.Create();
        frame.SetDimensions(10, 20);
        var elements = frame.Structure["dimension"].Elements.ToArray();
        frame.Structure.Changed.Clear();
        frame.SetDimensions([new NTDimension(30, Offset: 2, Binning: 2), new NTDimension(40)]);
        Assert.Equal(elements, frame.Structure["dimension"].Elements);
        Assert.True(frame.Structure["dimension"].IsChanged);
        Assert.Equal([new NTDimension(30, 2, 30, 2), new NTDimension(40)], frame.Dimensions);
        frame.SetDimensions(3, 4, 5);
        Assert.Equal([3, 4, 5], frame.Shape);
    }

    [Fact]
    public void A_write_to_a_shared_frame_copies_and_the_other_holder_sees_the_old_pixels()
    {
        var frame = NTNDArray.Create(new ImageShape(64, 64), ScalarType.UShort);
        frame.GetWritableImage<ushort>().GetWritablePixels().Fill(5);
        var original = frame.Image;
        using var queued = frame.Structure.Clone(); // a server queue entry, another subscriber, ...
        var readOnly = frame.GetImage<ushort>();
        Assert.False(readOnly.IsWritable);
        Assert.Throws<InvalidOperationException>(() => readOnly.GetWritableRow(0).Length);
        Assert.Throws<InvalidOperationException>(() => readOnly.GetWritablePixels().Length);
        frame.Structure.Changed.Clear();

        var image = frame.GetWritableImage<ushort>();
        image.GetWritableRow(3)[7] = 99;

        Assert.NotSame(original, frame.Image);
        Assert.True(frame.Image.IsPooled);
        Assert.True(frame.Structure["value"].IsChanged);
        Assert.Equal(99, frame.GetImage<ushort>()[7, 3]);
        var old = new NTNDArray(queued).GetImage<ushort>();
        Assert.Equal(5, old[7, 3]);
        Assert.True(old.IsWritable); // the clone is now the array's only holder
        Assert.Same(original, old.Array);
    }

    [Fact]
    public void An_exclusive_frame_is_written_in_place()
    {
        var frame = NTNDArray.Create(new ImageShape(8, 8), ScalarType.Double);
        var array = frame.Image;
        frame.GetWritableImage<double>().GetWritablePixels()[0] = 1.5;
        Assert.Same(array, frame.Image);
        Assert.Equal(1.5, frame.GetImage<double>()[0, 0]);
    }

    [Fact]
    public void A_frame_retained_by_a_send_in_flight_is_copied_before_writing()
    {
        var frame = NTNDArray.Create(new ImageShape(128, 128), ScalarType.UByte);
        frame.GetWritableImage<byte>().GetWritablePixels().Fill(1);
        using var inFlight = frame.Image.Retain(); // what the socket writer holds while the kernel sends it
        frame.GetWritableImage<byte>().GetWritablePixels().Fill(2);
        Assert.All(inFlight.Bytes.ToArray(), b => Assert.Equal(1, b));
        Assert.Equal(2, frame.GetImage<byte>()[127, 127]);
    }
}
