using Epics.Pva.Data;
using Epics.Pva.Data.NT;

namespace Epics.Pva.Tests.Data;

public class ImageViewTests
{
    private const int Nx = 5;
    private const int Ny = 3;

    private static ushort Code(int x, int y, int c) => (ushort)((100 * c) + (10 * y) + x);

    // A frame laid out from its dimensions alone (x fastest, C order): which dimension is x, y or the colour is what
    // framework.md §11.1 says for each mode, independent of the view's own index arithmetic.
    private static NTNDArray Frame(NDColorMode mode)
    {
        int[] dims = mode switch
        {
            NDColorMode.RGB1 => [3, Nx, Ny],
            NDColorMode.RGB2 => [Nx, 3, Ny],
            NDColorMode.RGB3 => [Nx, Ny, 3],
            _ => [Nx, Ny],
        };
        var values = new ushort[dims.Aggregate(1, (a, b) => a * b)];
        var d1 = dims.Length == 3 ? dims[1] : 1;
        for (var i = 0; i < values.Length; i++)
        {
            int i0 = i % dims[0], i1 = dims.Length == 3 ? i / dims[0] % d1 : i / dims[0], i2 = dims.Length == 3 ? i / (dims[0] * d1) : 0;
            var (x, y, c) = mode switch
            {
                NDColorMode.RGB1 => (i1, i2, i0),
                NDColorMode.RGB2 => (i0, i2, i1),
                NDColorMode.RGB3 => (i0, i1, i2),
                _ => (i0, i1, 0),
            };
            values[i] = Code(x, y, c);
        }

        var frame = NTNDArray.Create(NTNDArrayLayout.PvaPy);
        frame.SetDimensions(dims);
        frame.SetAttribute(NTNDArray.ColorModeAttribute, (int)mode);
        frame.SetImage(PvArray.Wrap(values));
        return frame;
    }

    [Theory]
    [InlineData(NDColorMode.Mono)]
    [InlineData(NDColorMode.RGB1)]
    [InlineData(NDColorMode.RGB2)]
    [InlineData(NDColorMode.RGB3)]
    public void Every_layout_puts_pixel_x_y_colour_c_where_its_dimensions_say(NDColorMode mode)
    {
        var image = Frame(mode).GetImage<ushort>();
        Assert.Equal(Nx, image.Nx);
        Assert.Equal(Ny, image.Ny);
        Assert.Equal(mode, image.ColorMode);
        Assert.Equal(ScalarType.UShort, image.ElementType);
        for (var y = 0; y < Ny; y++)
        {
            for (var x = 0; x < Nx; x++)
            {
                for (var c = 0; c < image.Components; c++)
                {
                    Assert.Equal(Code(x, y, c), image[x, y, c]);
                    Assert.Equal(Code(x, y, c), image.Pixels[image.IndexOf(x, y, c)]);
                }
            }
        }
    }

    [Fact]
    public void Mono_rows_pixels_and_plane()
    {
        var image = Frame(NDColorMode.Mono).GetImage<ushort>();
        Assert.Equal([Code(0, 2, 0), Code(1, 2, 0), Code(2, 2, 0), Code(3, 2, 0), Code(4, 2, 0)], image.Row(2).ToArray());
        Assert.Equal(image.Row(2).ToArray(), image.Row(2, 0).ToArray());
        Assert.Equal([Code(4, 1, 0)], image.Pixel(4, 1).ToArray());
        Assert.Equal(Code(4, 1, 0), image[4, 1]);
        Assert.Equal(Nx * Ny, image.Plane(0).Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => image.Row(0, 1).Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => image.Row(Ny).Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => image[Nx, 0]);
    }

    [Fact]
    public void RGB1_rows_and_pixels_interleave_the_colours()
    {
        var image = Frame(NDColorMode.RGB1).GetImage<ushort>();
        Assert.Equal([Code(3, 1, 0), Code(3, 1, 1), Code(3, 1, 2)], image.Pixel(3, 1).ToArray());
        var row = image.Row(1);
        Assert.Equal(3 * Nx, row.Length);
        Assert.Equal([Code(0, 1, 0), Code(0, 1, 1), Code(0, 1, 2), Code(1, 1, 0)], row[..4].ToArray());
        Assert.Throws<InvalidOperationException>(() => image.Row(1, 0).Length);
        Assert.Throws<InvalidOperationException>(() => image.Plane(0).Length);
    }

    [Fact]
    public void RGB2_rows_hold_one_colour_each()
    {
        var image = Frame(NDColorMode.RGB2).GetImage<ushort>();
        Assert.Equal(Enumerable.Range(0, Nx).Select(x => Code(x, 2, 1)), image.Row(2, 1).ToArray());
        var row = image.Row(2);
        Assert.Equal(3 * Nx, row.Length);
        Assert.Equal(Code(0, 2, 2), row[2 * Nx]);
        Assert.Throws<InvalidOperationException>(() => image.Pixel(0, 0).Length);
        Assert.Throws<InvalidOperationException>(() => image.Plane(0).Length);
    }

    [Fact]
    public void RGB3_has_one_plane_per_colour()
    {
        var image = Frame(NDColorMode.RGB3).GetImage<ushort>();
        var green = image.Plane(1);
        Assert.Equal(Nx * Ny, green.Length);
        Assert.Equal(Code(0, 0, 1), green[0]);
        Assert.Equal(Code(4, 2, 1), green[^1]);
        Assert.Equal(Enumerable.Range(0, Nx).Select(x => Code(x, 1, 2)), image.Row(1, 2).ToArray());
        Assert.Throws<InvalidOperationException>(() => image.Row(0).Length);
        Assert.Throws<InvalidOperationException>(() => image.Pixel(0, 0).Length);
    }

    [Fact]
    public void A_wrong_element_type_is_refused()
    {
        var frame = Frame(NDColorMode.Mono);
        var e = Assert.Throws<InvalidCastException>(() => frame.GetImage<short>());
        Assert.Contains("ushortValue", e.Message);
        Assert.Throws<InvalidCastException>(() => frame.GetImage<byte>());
        Assert.Throws<InvalidCastException>(() => frame.GetWritableImage<short>());
    }

    [Fact]
    public void Dimensions_that_do_not_fit_the_colour_mode_are_refused()
    {
        var frame = Frame(NDColorMode.RGB2);
        frame.SetAttribute(NTNDArray.ColorModeAttribute, (int)NDColorMode.RGB3); // [5, 3, 3] with RGB3: colours in dimension 2 = 3, fits
        Assert.Equal(new ImageShape(Nx, 3, NDColorMode.RGB3), frame.ImageShape);

        frame.SetDimensions(Nx, 3, 4);
        frame.SetAttribute(NTNDArray.ColorModeAttribute, (int)NDColorMode.RGB1);
        var e = Assert.Throws<InvalidDataException>(() => frame.GetImage<ushort>());
        Assert.Contains("RGB1", e.Message);

        frame.RemoveAttribute(NTNDArray.ColorModeAttribute);
        e = Assert.Throws<InvalidDataException>(() => frame.ImageShape);
        Assert.Contains("no ColorMode attribute", e.Message);

        frame.SetAttribute(NTNDArray.ColorModeAttribute, (int)NDColorMode.RGB1);
        frame.SetDimensions(Nx, Ny);
        Assert.Throws<InvalidDataException>(() => frame.ImageShape);

        frame.SetAttribute(NTNDArray.ColorModeAttribute, (int)NDColorMode.Mono);
        frame.SetDimensions(Nx, Ny + 1); // the value holds nx * ny elements, the dimensions say more
        Assert.Throws<InvalidDataException>(() => frame.GetImage<ushort>());
    }

    [Fact]
    public void A_compressed_frame_must_be_decoded_before_reading_pixels()
    {
        var frame = NTNDArray.Create();
        frame.SetDimensions(4, 4);
        frame.SetCompressedImage(PvArray.Create<byte>([1, 2, 3]), "lz4", ScalarType.UByte, 16);
        var e = Assert.Throws<InvalidOperationException>(() => frame.GetImage<byte>());
        Assert.Contains("lz4", e.Message);
    }

    [Fact]
    public void An_empty_frame_gives_an_empty_view()
    {
        var image = NTNDArray.Create().GetImage<float>();
        Assert.True(image.IsEmpty);
        Assert.Equal(0, image.Pixels.Length);
        Assert.Equal(0, image.Shape.Rank);
    }

    [Fact]
    public void Image_shapes_give_the_dimensions_of_their_mode()
    {
        Assert.Equal([5, 3], new ImageShape(5, 3).Dimensions);
        Assert.Equal([3, 5, 2], new ImageShape(5, 2, NDColorMode.RGB1).Dimensions);
        Assert.Equal([5, 3, 2], new ImageShape(5, 2, NDColorMode.RGB2).Dimensions);
        Assert.Equal([5, 2, 3], new ImageShape(5, 2, NDColorMode.RGB3).Dimensions);
        Assert.Equal(30, new ImageShape(5, 2, NDColorMode.RGB3).Elements);
        Assert.Equal(new ImageShape(7, 1), ImageShape.FromDimensions([7], null));
        Assert.Throws<ArgumentException>(() => new ImageShape(2, 2, NDColorMode.YUV422));
        Assert.Throws<InvalidDataException>(() => ImageShape.FromDimensions([2, 2, 2, 2], NDColorMode.Mono));
    }
}
