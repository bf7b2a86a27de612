using Epics.Pva.Data;
using Epics.Streaming.Formats;
using Epics.Streaming.Frames;

namespace Epics.Streaming.Tests;

/// <summary>
/// TIFF and EDF inputs of the simulated detector, read from files written by tifffile, Pillow/libtiff and fabio
/// (Fixtures/make_image_fixtures.py; the formulas here mirror that script).
/// </summary>
public sealed class ImageFrameSourceTests : IDisposable
{
    private const int Nx = 40;
    private const int Ny = 30;

    private readonly string _dir = Directory.CreateTempSubdirectory("pvstream-images").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    internal static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    // value = (frame*1000 + y*nx + x) % 65536
    internal static void AssertRamp(PvArray frame, int f)
    {
        var values = frame.AsSpan<ushort>();
        Assert.Equal(Nx * Ny, values.Length);
        for (var i = 0; i < values.Length; i++)
        {
            Assert.Equal((ushort)(((f * 1000) + i) % 65536), values[i]);
        }
    }

    // value = (frame*1000 + y*nx + x) * 0.25 - 50
    private static void AssertFloatRamp(PvArray frame, int f)
    {
        var values = frame.AsSpan<float>();
        Assert.Equal(Nx * Ny, values.Length);
        for (var i = 0; i < values.Length; i++)
        {
            Assert.Equal((float)((((f * 1000) + i) * 0.25) - 50), values[i]);
        }
    }

    [Theory]
    [InlineData("multipage_u16.tif", 3)] // 7-row strips, little-endian, uncompressed
    [InlineData("tiled_deflate_u16.tif", 2)] // 16x16 tiles with partial edge tiles, deflate + predictor
    [InlineData("lzw_u16.tif", 2)] // LZW strips written by libtiff
    public void Tiff_uint16_pages_are_frames(string name, int pages)
    {
        using var source = new TiffFrameSource(Fixture(name), new FrameBufferPool());
        Assert.Equal(pages, source.FrameCount);
        Assert.Equal(new FrameShape(Nx, Ny, 0, ScalarType.UShort), source.Shape);
        for (var f = pages - 1; f >= 0; f--)
        {
            using var frame = source.ReadFrame(f);
            AssertRamp(frame, f);
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => source.ReadFrame(pages));
    }

    [Fact]
    public void Big_endian_float32_tiff_comes_out_in_host_order()
    {
        using var source = new TiffFrameSource(Fixture("float32_be.tif"), new FrameBufferPool());
        Assert.Equal(2, source.FrameCount);
        Assert.Equal(new FrameShape(Nx, Ny, 0, ScalarType.Float), source.Shape);
        using var f1 = source.ReadFrame(1);
        AssertFloatRamp(f1, 1);
        using var f0 = source.ReadFrame(0);
        AssertFloatRamp(f0, 0);
    }

    // Mirrors TYPES in make_image_fixtures.py: value = (i*3 - 40) * scale, unsigned i*scale + 7; the byte order alternates.
    [Theory]
    [InlineData("int8", ScalarType.Byte, 1.0)]
    [InlineData("uint8", ScalarType.UByte, 1.0)]
    [InlineData("int16", ScalarType.Short, 500.0)]
    [InlineData("uint16", ScalarType.UShort, 1000.0)]
    [InlineData("int32", ScalarType.Int, 100000.0)]
    [InlineData("uint32", ScalarType.UInt, 100000.0)]
    [InlineData("float32", ScalarType.Float, 0.5)]
    [InlineData("float64", ScalarType.Double, 0.5)]
    public void Tiff_sample_formats_map_to_element_types(string dtype, ScalarType type, double scale)
    {
        using var source = new TiffFrameSource(Fixture($"type_{dtype}.tif"), new FrameBufferPool());
        Assert.Equal(new FrameShape(8, 4, 0, type), source.Shape);
        using var frame = source.ReadFrame(0);
        var expected = Enumerable.Range(0, 32).Select(i => dtype.StartsWith("uint", StringComparison.Ordinal) ? (i * scale) + 7 : ((i * 3) - 40) * scale);
        Assert.Equal(expected, frame.ToDoubleArray());
    }

    [Fact]
    public void Rgb_tiff_is_a_pixel_interleaved_colour_frame()
    {
        using var source = new TiffFrameSource(Fixture("rgb_u8.tif"), new FrameBufferPool());
        Assert.Equal(new FrameShape(20, 10, 2, ScalarType.UByte), source.Shape); // areaDetector RGB1
        Assert.Equal([3, 20, 10], source.Shape.Dimensions);
        using var frame = source.ReadFrame(0);
        var bytes = frame.Bytes;
        Assert.Equal(600, bytes.Length);
        for (var i = 0; i < bytes.Length; i++)
        {
            Assert.Equal((byte)(i % 256), bytes[i]); // channel c of pixel p = (3p + c) % 256
        }
    }

    [Fact]
    public void Tiff_is_recognised_by_signature_without_the_extension()
    {
        var copy = Path.Combine(_dir, "frames.bin");
        File.Copy(Fixture("float32_be.tif"), copy); // MM\0*
        Assert.True(TiffFrameSource.IsTiff(copy));
        var other = Path.Combine(_dir, "frames.dat");
        File.Copy(Fixture("two_frames_u16.edf"), other);
        Assert.False(TiffFrameSource.IsTiff(other));
        var sources = FrameSources.Create(new AdSimServerOptions { InputFile = copy }.Registered(), new FrameBufferPool(), []);
        Assert.IsType<TiffFrameSource>(Assert.Single(sources));
        sources[0].Dispose();
    }

    [Fact]
    public void Corrupt_or_truncated_tiff_is_a_clear_error()
    {
        var junk = Path.Combine(_dir, "junk.tif");
        File.WriteAllBytes(junk, [(byte)'I', (byte)'I', 42, 0, 0xFF, 0xFF, 0xFF, 0x7F, 1, 2, 3]);
        var e = Assert.Throws<StreamingConfigurationException>(() => new TiffFrameSource(junk, new FrameBufferPool()));
        Assert.StartsWith($"{junk}: not a readable TIFF (", e.Message);

        // tifffile puts page 0's directory first, its strips at 288..2688, and the other pages' directories at the end.
        var bytes = File.ReadAllBytes(Fixture("multipage_u16.tif"));
        var cut = Path.Combine(_dir, "cut.tif");
        foreach (var length in new[] { 7000, 2678, 7600 })
        {
            File.WriteAllBytes(cut, bytes[..length]);
            e = Assert.Throws<StreamingConfigurationException>(() => new TiffFrameSource(cut, new FrameBufferPool()));
            Assert.StartsWith($"{cut}: damaged or truncated TIFF: cannot read ", e.Message);
        }

        // A single page whose directory comes first: the directory is intact, its strip is not.
        File.WriteAllBytes(cut, File.ReadAllBytes(Fixture("type_uint16.tif"))[..^10]);
        e = Assert.Throws<StreamingConfigurationException>(() => new TiffFrameSource(cut, new FrameBufferPool()));
        Assert.StartsWith($"{cut}: page 0: file is truncated (strip 0 ends at byte ", e.Message);
    }

    [Fact]
    public void Tiff_pages_of_different_sizes_are_rejected_naming_the_page()
    {
        var path = Fixture("mixed_pages.tif"); // page 0 40x30 uint16, page 1 8x4 uint16, page 2 40x30 float32
        var e = Assert.Throws<StreamingConfigurationException>(() => new TiffFrameSource(path, new FrameBufferPool()));
        Assert.Equal($"{path}: page 1 is 8x4 MONO uint16, page 0 is 40x30 MONO uint16; all pages must match", e.Message);
    }

    [Fact]
    public void Edf_frames_follow_one_another()
    {
        using var source = new EdfFrameSource(Fixture("two_frames_u16.edf"), new FrameBufferPool());
        Assert.Equal(2, source.FrameCount);
        Assert.Equal(new FrameShape(Nx, Ny, 0, ScalarType.UShort), source.Shape);
        using var f1 = source.ReadFrame(1);
        AssertRamp(f1, 1);
        using var f0 = source.ReadFrame(0);
        AssertRamp(f0, 0);
    }

    [Fact]
    public void Edf_high_byte_first_float32_is_swapped_to_host_order()
    {
        using var source = new EdfFrameSource(Fixture("float32_be.edf"), new FrameBufferPool());
        Assert.Equal(2, source.FrameCount);
        Assert.Equal(new FrameShape(Nx, Ny, 0, ScalarType.Float), source.Shape);
        using var f1 = source.ReadFrame(1);
        AssertFloatRamp(f1, 1);
    }

    [Fact]
    public void Truncated_or_foreign_edf_is_a_clear_error()
    {
        var bytes = File.ReadAllBytes(Fixture("two_frames_u16.edf"));
        var cut = Path.Combine(_dir, "cut.edf");
        File.WriteAllBytes(cut, bytes[..^100]);
        var e = Assert.Throws<StreamingConfigurationException>(() => new EdfFrameSource(cut, new FrameBufferPool()));
        Assert.Equal($"{cut}: file is truncated (frame 1 needs 5824 bytes, file has 5724)", e.Message);

        File.WriteAllBytes(cut, bytes[..3000]); // inside the second header
        e = Assert.Throws<StreamingConfigurationException>(() => new EdfFrameSource(cut, new FrameBufferPool()));
        Assert.Contains("file is truncated in block 1", e.Message);

        var text = Path.Combine(_dir, "text.edf");
        File.WriteAllText(text, "hello, not an EDF file");
        e = Assert.Throws<StreamingConfigurationException>(() => new EdfFrameSource(text, new FrameBufferPool()));
        Assert.Contains("not an EDF file", e.Message);

        var odd = Path.Combine(_dir, "odd.edf");
        File.WriteAllText(odd, "{\nDim_1 = 2 ;\nDim_2 = 1 ;\nDataType = ComplexValue ;\nSize = 4 ;\n}\n1234");
        e = Assert.Throws<StreamingConfigurationException>(() => new EdfFrameSource(odd, new FrameBufferPool()));
        Assert.Contains("DataType 'ComplexValue' is not supported", e.Message);
    }

    [Fact]
    public void Directory_with_a_good_tiff_and_a_junk_file_yields_one_source_and_one_skip_line()
    {
        File.Copy(Fixture("multipage_u16.tif"), Path.Combine(_dir, "a.tif"));
        var junk = Path.Combine(_dir, "b.png");
        File.WriteAllText(junk, "not an image");
        var skipped = new List<string>();
        var sources = FrameSources.Create(new AdSimServerOptions { InputDirectory = _dir }.Registered(), new FrameBufferPool(), skipped);
        var source = Assert.IsType<TiffFrameSource>(Assert.Single(sources));
        Assert.Equal(3, source.FrameCount);
        Assert.Equal($"Skipping {junk}: unsupported image format (supported: TIFF, EDF, CBF; or raw binary with --config-file)", Assert.Single(skipped));
        source.Dispose();
    }

    [Fact]
    public async Task Concurrent_reads_of_one_tiff_all_decode_correctly()
    {
        using var source = new TiffFrameSource(Fixture("tiled_deflate_u16.tif"), new FrameBufferPool());
        var tasks = Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            for (var k = 0; k < 20; k++)
            {
                var f = (t + k) % 2;
                using var frame = source.ReadFrame(f);
                AssertRamp(frame, f);
            }
        }));
        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
    }
}
