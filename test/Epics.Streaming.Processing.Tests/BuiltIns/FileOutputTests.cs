using System.Text.Json.Nodes;
using BitMiracle.LibTiff.Classic;
using Epics.Pva.Data;
using Epics.Pva.Data.NT;
using Epics.Streaming.Codecs;
using Epics.Streaming.Processors.Files;
using Epics.Streaming.Processors.Hdf5;
using PureHDF;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Epics.Streaming.Processing.Tests.BuiltIns;

public sealed class FileOutputTests : IDisposable
{
    private readonly string _dir = TestFrames.TempDirectory();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("bdp_{uniqueId:06d}.{processorId}.tiff", 42, 3, "bdp_000042.3.tiff")]
    [InlineData("{uniqueId:06}.{processorId}.tiff", 7, 1, "000007.1.tiff")]
    [InlineData("{frameId:>5}_{objectId:x}_{{x}}.png", 255, 1, "  255_ff_{x}.png")]
    [InlineData("f{uniqueId:+d}-{processorId:<3}.npy", 5, 2, "f+5-2  .npy")]
    public void File_names_follow_python_format(string format, long id, int processorId, string expected) =>
        Assert.Equal(expected, AdOutputFileProcessor.FileName(format, id, processorId));

    [Fact]
    public void The_object_id_offset_moves_the_ids_in_file_names_and_can_change_at_run_time()
    {
        var p = new AdOutputFileProcessor(new JsonObject { ["outputDirectory"] = _dir, ["outputFileNameFormat"] = "{uniqueId:06d}.npy", ["objectIdOffset"] = 1000 });
        using (var frame = TestFrames.Frame(ScalarType.UByte, 5))
        {
            p.Process(frame);
        }

        p.Configure(new JsonObject { ["objectIdOffset"] = "2000" });
        using (var frame = TestFrames.Frame(ScalarType.UByte, 5))
        {
            p.Process(frame);
        }

        Assert.True(File.Exists(Path.Combine(_dir, "001005.npy")));
        Assert.True(File.Exists(Path.Combine(_dir, "002005.npy")));
        Assert.Equal(2000, p.ObjectIdOffset);
    }

    [Fact]
    public void A_bad_format_is_a_configuration_error() =>
        Assert.Throws<StreamingConfigurationException>(() => new AdOutputFileProcessor(new JsonObject { ["outputDirectory"] = _dir, ["outputFileNameFormat"] = "{nope}.tiff" }));

    [Theory]
    [InlineData(ScalarType.UByte)]
    [InlineData(ScalarType.Byte)]
    [InlineData(ScalarType.UShort)]
    [InlineData(ScalarType.Short)]
    [InlineData(ScalarType.UInt)]
    [InlineData(ScalarType.Int)]
    [InlineData(ScalarType.Long)]
    [InlineData(ScalarType.Float)]
    [InlineData(ScalarType.Double)]
    public void Tiff_holds_every_pixel_type_as_it_is(ScalarType type)
    {
        var published = new TestFrames.CapturingPublisher();
        var p = TestFrames.Attach(new AdOutputFileProcessor(new JsonObject { ["outputDirectory"] = _dir, ["outputFileNameFormat"] = "bdp_{uniqueId:06d}.{processorId}.tiff", ["processorId"] = 2 }), published);
        using var frame = TestFrames.Frame(type, 12);
        NdArrayCodec.Compress(frame, "bslz4"); // written decompressed, published as it came
        p.Process(frame);
        Assert.Equal("bslz4", new NTNDArray(Assert.Single(published.Values)).CodecName);

        var path = Path.Combine(_dir, "bdp_000012.2.tiff");
        using var tiff = Tiff.Open(path, "r");
        Assert.Equal(16, tiff.GetField(TiffTag.IMAGEWIDTH)[0].ToInt());
        Assert.Equal(8, tiff.GetField(TiffTag.IMAGELENGTH)[0].ToInt());
        Assert.Equal(type.ElementSize() * 8, tiff.GetField(TiffTag.BITSPERSAMPLE)[0].ToInt());
        var bytes = new byte[tiff.StripSize()];
        tiff.ReadEncodedStrip(0, bytes, 0, bytes.Length);
        using var expected = TestFrames.Frame(type, 12);
        Assert.Equal(new NTNDArray(expected).Image.Bytes.ToArray(), bytes);
        var stats = p.GetStats();
        Assert.Equal(1L, stats["nFilesSaved"]);
        Assert.Equal((double)new FileInfo(path).Length, ((UnitValue)stats["nBytesSaved"]).Value);
    }

    [Fact]
    public void Png_keeps_8_and_16_bit_grey_and_rgb()
    {
        var p = new AdOutputFileProcessor(new JsonObject { ["outputDirectory"] = _dir, ["outputFileNameFormat"] = "{uniqueId}.png" });
        using var grey8 = TestFrames.Frame(ScalarType.UByte, 1);
        using var grey16 = TestFrames.Frame(ScalarType.UShort, 2);
        using var rgb = TestFrames.Frame(ScalarType.UByte, 3, color: NDColorMode.RGB1);
        p.Process(grey8);
        p.Process(grey16);
        p.Process(rgb);

        using (var image = Image.Load<L8>(Path.Combine(_dir, "1.png")))
        {
            var pixels = new L8[16 * 8];
            image.CopyPixelDataTo(pixels);
            Assert.Equal(new NTNDArray(grey8).Image.Bytes.ToArray(), pixels.Select(x => x.PackedValue).ToArray());
        }

        using (var image = Image.Load<L16>(Path.Combine(_dir, "2.png")))
        {
            var pixels = new L16[16 * 8];
            image.CopyPixelDataTo(pixels);
            Assert.Equal(new NTNDArray(grey16).Image.AsSpan<ushort>().ToArray(), pixels.Select(x => x.PackedValue).ToArray());
        }

        using (var image = Image.Load<Rgb24>(Path.Combine(_dir, "3.png")))
        {
            var pixels = new Rgb24[16 * 8];
            image.CopyPixelDataTo(pixels);
            Assert.Equal(new NTNDArray(rgb).Image.Bytes.ToArray(), pixels.SelectMany(x => new[] { x.R, x.G, x.B }).ToArray());
        }
    }

    [Fact]
    public void Jpeg_scales_wide_types_to_8_bits()
    {
        var p = new AdOutputFileProcessor(new JsonObject { ["outputDirectory"] = _dir, ["outputFileNameFormat"] = "{uniqueId}.jpg" });
        using var frame = TestFrames.Frame(ScalarType.Float, 4);
        p.Process(frame);
        using var image = Image.Load<L8>(Path.Combine(_dir, "4.jpg"));
        Assert.Equal((16, 8), (image.Width, image.Height));
        var pixels = new L8[16 * 8];
        image.CopyPixelDataTo(pixels);

        // A ramp from -7 upwards: dark at the start, bright at the end (JPEG is lossy).
        Assert.True(pixels[0].PackedValue < 16 && pixels[^1].PackedValue > 239);
    }

    [Fact]
    public void Npy_and_bin_hold_the_elements()
    {
        var p = new AdOutputFileProcessor(new JsonObject { ["outputDirectory"] = _dir, ["outputFileNameFormat"] = "{uniqueId}.npy" });
        using var frame = TestFrames.Frame(ScalarType.UShort, 5);
        p.Process(frame);
        p.Configure(new JsonObject { ["outputFileNameFormat"] = "{uniqueId}.bin" });
        p.Process(frame);
        var npy = File.ReadAllBytes(Path.Combine(_dir, "5.npy"));
        var headerLength = BitConverter.ToUInt16(npy, 8);
        var header = System.Text.Encoding.ASCII.GetString(npy, 10, headerLength);
        Assert.Equal(0, (10 + headerLength) % 64);
        Assert.Contains("'descr': '<u2'", header, StringComparison.Ordinal);
        Assert.Contains("'shape': (8, 16)", header, StringComparison.Ordinal);
        var pixels = new NTNDArray(frame).Image.Bytes.ToArray();
        Assert.Equal(pixels, npy[(10 + headerLength)..]);
        Assert.Equal(pixels, File.ReadAllBytes(Path.Combine(_dir, "5.bin")));
    }

    [Fact]
    public void Independent_python_readers_see_the_same_pixels()
    {
        var python = TestFrames.Python();
        Assert.SkipUnless(TestFrames.Has(python, "PIL") && TestFrames.Has(python, "tifffile"), "python3 with numpy, PIL and tifffile not available");
        var p = new AdOutputFileProcessor(new JsonObject { ["outputDirectory"] = _dir, ["outputFileNameFormat"] = "{uniqueId}.tiff" });
        using var frame = TestFrames.Frame(ScalarType.UShort, 6);
        p.Process(frame);
        p.Configure(new JsonObject { ["outputFileNameFormat"] = "{uniqueId}.png" });
        p.Process(frame);
        p.Configure(new JsonObject { ["outputFileNameFormat"] = "{uniqueId}.npy" });
        p.Process(frame);
        File.WriteAllBytes(Path.Combine(_dir, "expected.raw"), new NTNDArray(frame).Image.Bytes.ToArray());
        var script = Path.Combine(_dir, "check.py");
        File.WriteAllText(script, """
            import sys, numpy, tifffile
            from PIL import Image
            d = sys.argv[1]
            expected = numpy.fromfile(d + '/expected.raw', dtype='<u2').reshape(8, 16)
            assert (tifffile.imread(d + '/6.tiff') == expected).all(), 'tiff'
            assert (numpy.array(Image.open(d + '/6.png')) == expected).all(), 'png'
            assert (numpy.load(d + '/6.npy') == expected).all(), 'npy'
            print('ok')
            """);
        Assert.Equal(0, TestFrames.Run(python!, $"{script} {_dir}", out var output));
        Assert.Contains("ok", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Hdf5_files_hold_exactly_the_frames_with_ids_time_stamps_and_attributes()
    {
        var published = new TestFrames.CapturingPublisher();
        var w = TestFrames.Attach(new Hdf5AdImageWriter(new JsonObject
        {
            ["outputDirectory"] = _dir, ["nImagesPerFile"] = 3, ["datasetName"] = "frames", ["processorId"] = 4,
        }), published);
        var frames = Enumerable.Range(10, 5).Select(id => TestFrames.Frame(ScalarType.UShort, id)).ToList();
        foreach (var f in frames)
        {
            w.Process(f);
        }

        w.Stop();
        Assert.Equal(5, published.Values.Count);
        Assert.Equal(2L, w.GetStats()["nFilesSaved"]);

        using (var file = H5File.OpenRead(Path.Combine(_dir, "000001.4.hdf")))
        {
            var images = file.Dataset("/entry/data/frames");
            Assert.Equal([3UL, 8UL, 16UL], images.Space.Dimensions);
            var pixels = images.Read<ushort[]>();
            Assert.Equal(frames.Take(3).SelectMany(f => new NTNDArray(f).Image.AsSpan<ushort>().ToArray()).ToArray(), pixels);
            Assert.Equal([10, 11, 12], file.Dataset("/entry/data/uniqueId").Read<int[]>());
            Assert.Equal("NXdata", file.Group("/entry/data").Attribute("NX_class").Read<string>());
            Assert.Equal([2.5, 2.75, 3.0], file.Dataset("/entry/instrument/NDAttributes/Exposure").Read<double[]>());
            Assert.Equal(1_700_000_010 + (123_000 * 10 / 1e9), file.Dataset("/entry/data/timeStamp").Read<double[]>()[0], 6);
        }

        using (var file = H5File.OpenRead(Path.Combine(_dir, "000002.4.hdf")))
        {
            // Closed early by stop: two frames, no empty slots.
            Assert.Equal([2UL, 8UL, 16UL], file.Dataset("/entry/data/frames").Space.Dimensions);
            Assert.Equal([13, 14], file.Dataset("/entry/data/uniqueId").Read<int[]>());
            Assert.Equal(["sample-13", "sample-14"], file.Dataset("/entry/instrument/NDAttributes/Sample").Read<string[]>());
        }

        if (TestFrames.Run("h5dump", $"-H {Path.Combine(_dir, "000002.4.hdf")}", out var dump) == 0)
        {
            Assert.Contains("DATASET \"frames\"", dump, StringComparison.Ordinal);
            Assert.Contains("( 2, 8, 16 )", dump, StringComparison.Ordinal);
        }

        var python = TestFrames.Python();
        if (TestFrames.Has(python, "h5py"))
        {
            File.WriteAllBytes(Path.Combine(_dir, "expected.raw"), frames.Skip(3).SelectMany(f => new NTNDArray(f).Image.Bytes.ToArray()).ToArray());
            var script = Path.Combine(_dir, "check.py");
            File.WriteAllText(script, """
                import sys, numpy, h5py
                d = sys.argv[1]
                with h5py.File(d + '/000002.4.hdf', 'r') as f:
                    data = f['entry/data']
                    assert data.attrs['signal'] in ('frames', b'frames'), data.attrs['signal']
                    images = data['frames']
                    assert images.chunks == (1, 8, 16), images.chunks
                    expected = numpy.fromfile(d + '/expected.raw', dtype='<u2').reshape(2, 8, 16)
                    assert (images[...] == expected).all()
                    assert list(data['uniqueId'][...]) == [13, 14]
                print('ok')
                """);
            Assert.Equal(0, TestFrames.Run(python!, $"{script} {_dir}", out var output));
        }

        foreach (var f in frames)
        {
            f.Dispose();
        }
    }
}
