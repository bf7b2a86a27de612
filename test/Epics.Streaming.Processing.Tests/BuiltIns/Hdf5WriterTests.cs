using System.Text.Json.Nodes;
using Epics.Pva.Data;
using Epics.Pva.Data.NT;
using Epics.Streaming.Codecs;
using Epics.Streaming.Processors.Hdf5;
using PureHDF;

namespace Epics.Streaming.Processing.Tests.BuiltIns;

/// <summary>
/// The HDF5 writer's files read back by PureHDF and, when installed, h5dump and h5py with hdf5plugin (which decodes
/// the bitshuffle and LZ4 filters of compressed frames).
/// </summary>
public sealed class Hdf5WriterTests : IDisposable
{
    private readonly string _dir = TestFrames.TempDirectory();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(ScalarType.Byte, NDColorMode.Mono)]
    [InlineData(ScalarType.UInt, NDColorMode.Mono)]
    [InlineData(ScalarType.Long, NDColorMode.Mono)]
    [InlineData(ScalarType.Float, NDColorMode.Mono)]
    [InlineData(ScalarType.Double, NDColorMode.Mono)]
    [InlineData(ScalarType.UByte, NDColorMode.RGB1)]
    [InlineData(ScalarType.UShort, NDColorMode.RGB3)]
    public void Every_pixel_type_and_colour_reads_back_identical(ScalarType type, NDColorMode color)
    {
        var frames = Enumerable.Range(1, 3).Select(id => TestFrames.Frame(type, id, nx: 12, ny: 5, color: color)).ToList();
        var path = Write(frames, "frames");

        using (var file = H5File.OpenRead(path))
        {
            ulong[] dims = color == NDColorMode.Mono ? [3, 5, 12] : [3, 5, 12, 3];
            Assert.Equal(dims, file.Dataset("/entry/data/frames").Space.Dimensions);
            if (color == NDColorMode.Mono)
            {
                var stored = type switch
                {
                    ScalarType.Byte => Bytes(file.Dataset("/entry/data/frames").Read<sbyte[]>()),
                    ScalarType.UInt => Bytes(file.Dataset("/entry/data/frames").Read<uint[]>()),
                    ScalarType.Long => Bytes(file.Dataset("/entry/data/frames").Read<long[]>()),
                    ScalarType.Float => Bytes(file.Dataset("/entry/data/frames").Read<float[]>()),
                    _ => Bytes(file.Dataset("/entry/data/frames").Read<double[]>()),
                };
                Assert.Equal(frames.SelectMany(f => new NTNDArray(f).Image.Bytes.ToArray()).ToArray(), stored);
            }

            Assert.Equal([1, 2, 3], file.Dataset("/entry/data/uniqueId").Read<int[]>());
        }

        RequireH5dump(path, "DATASET \"frames\"");
        RunPython(frames, $"""
            raw = numpy.fromfile(d + '/expected.raw', dtype=numpy.dtype('{NumpyType(type)}'))
            if '{color}' == 'RGB3':
                expected = raw.reshape(3, 3, 5, 12).transpose(0, 2, 3, 1)
            elif '{color}' == 'RGB1':
                expected = raw.reshape(3, 5, 12, 3)
            else:
                expected = raw.reshape(3, 5, 12)
            with h5py.File(d + '/000001.1.hdf', 'r') as f:
                images = f['entry/data/frames']
                assert images.chunks == (1,) + expected.shape[1:], images.chunks
                assert images.dtype == expected.dtype, images.dtype
                assert (images[...] == expected).all()
                assert f['entry'].attrs['NX_class'] in ('NXentry', b'NXentry')
            """);
    }

    [Theory]
    [InlineData("bslz4", false)]
    [InlineData("bslz4", true)]
    [InlineData("lz4", false)]
    [InlineData("lz4", true)]
    public void Compressed_frames_are_stored_as_they_came_with_the_matching_filter(string codec, bool hdf5ChunkForm)
    {
        var plain = Enumerable.Range(1, 4).Select(id => RampFrame(id)).ToList();
        var compressed = plain.Take(3).Select(f => Compressed(f, codec, hdf5ChunkForm)).ToList();
        // A frame that arrives uncompressed in a compressed file is stored plain, as its chunk's filter mask says.
        var frames = compressed.Append(plain[3].Clone()).ToList();
        var path = Write(frames, "images");

        var uncompressedBytes = plain.Sum(f => new NTNDArray(f).Image.ByteLength);
        Assert.True(new FileInfo(path).Length < uncompressedBytes * 3 / 4, $"{new FileInfo(path).Length} bytes: the chunks were not stored compressed");
        RequireH5dump(path, codec == "bslz4" ? "32008" : "32004", "-H -p");

        File.WriteAllBytes(Path.Combine(_dir, "chunk0.bin"), new NTNDArray(compressed[0]).Image.Bytes.ToArray());
        RunPython(plain, $"""
            import hdf5plugin
            if not h5py.h5z.filter_avail({(codec == "bslz4" ? 32008 : 32004)}):
                print('skip: no HDF5 {codec} filter (Debian: bitshuffle, python3-hdf5plugin)')
                sys.exit(0)
            expected = numpy.fromfile(d + '/expected.raw', dtype='<u2').reshape(4, 40, 70)
            with h5py.File(d + '/000001.1.hdf', 'r') as f:
                images = f['entry/data/images']
                assert str({(codec == "bslz4" ? 32008 : 32004)}) in images._filters, images._filters
                assert (images[...] == expected).all()
                mask, chunk = images.id.read_direct_chunk((0, 0, 0))
                sent = open(d + '/chunk0.bin', 'rb').read()
                assert mask == 0 and chunk.endswith(sent), (mask, len(chunk), len(sent))
                assert {(hdf5ChunkForm ? "chunk == sent" : "len(chunk) > len(sent)")}
                assert images.id.read_direct_chunk((3, 0, 0))[0] == 1
            """);
        foreach (var f in frames.Concat(plain))
        {
            f.Dispose();
        }
    }

    [Fact]
    public void A_frame_that_cannot_be_written_leaves_no_file_behind()
    {
        var w = TestFrames.Attach(new Hdf5AdImageWriter(new JsonObject { ["outputDirectory"] = _dir }), new TestFrames.CapturingPublisher());
        using var frame = TestFrames.Frame(ScalarType.UShort, 1);
        var nd = new NTNDArray(frame);
        nd.SetCodec("bslz4", ScalarType.UShort); // claims bslz4 but holds plain pixels: undecodable
        nd.UncompressedSize = nd.Image.ByteLength;
        Assert.ThrowsAny<Exception>(() => w.Process(frame));
        w.Stop();
        Assert.Empty(Directory.GetFiles(_dir, "*.hdf"));
        Assert.Equal(0L, w.GetStats()["nFilesSaved"]);
    }

    private string Write(List<PvValue> frames, string datasetName)
    {
        var w = TestFrames.Attach(new Hdf5AdImageWriter(new JsonObject
        {
            ["outputDirectory"] = _dir, ["nImagesPerFile"] = 100, ["datasetName"] = datasetName, ["processorId"] = 1,
        }), new TestFrames.CapturingPublisher());
        foreach (var f in frames)
        {
            Assert.Same(f, w.Process(f));
        }

        w.Stop();
        Assert.Equal(1L, w.GetStats()["nFilesSaved"]);
        return Path.Combine(_dir, "000001.1.hdf");
    }

    private static PvValue RampFrame(int id)
    {
        var frame = new NTNDArray(TestFrames.Frame(ScalarType.UShort, id, nx: 70, ny: 40));
        var pixels = PvArray.Allocate(ScalarType.UShort, 70 * 40);
        var span = pixels.GetWritableSpan<ushort>();
        for (var i = 0; i < span.Length; i++)
        {
            span[i] = (ushort)((id * 100) + (i % 70) + (i / 70 / 4));
        }

        frame.SetImage(pixels, new ImageShape(70, 40));
        return frame.Structure;
    }

    // areaDetector's form (NdArrayCodec) or the HDF5 chunk form (-hcm, a detector file's chunks).
    private static PvValue Compressed(PvValue plain, string codec, bool hdf5ChunkForm)
    {
        var frame = new NTNDArray(plain.Clone());
        if (!hdf5ChunkForm)
        {
            NdArrayCodec.Compress(frame.Structure, codec);
            return frame.Structure;
        }

        var image = frame.Image;
        var bytes = codec == "bslz4" ? Bslz4Chunk.Encode(image.Bytes, 2) : Lz4Chunk.Encode(image.Bytes);
        var stored = PvArray.Allocate(ScalarType.UByte, bytes.Length);
        bytes.CopyTo(stored.WritableBytes);
        var uncompressed = image.ByteLength;
        frame.SetCodec(codec, ScalarType.UShort);
        frame.SetImage(stored);
        frame.CompressedSize = bytes.Length;
        frame.UncompressedSize = uncompressed;
        return frame.Structure;
    }

    private static byte[] Bytes<T>(T[] values)
        where T : unmanaged => System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    private static string NumpyType(ScalarType type) => type switch
    {
        ScalarType.Byte => "i1",
        ScalarType.UByte => "u1",
        ScalarType.UShort => "<u2",
        ScalarType.UInt => "<u4",
        ScalarType.Long => "<i8",
        ScalarType.Float => "<f4",
        _ => "<f8",
    };

    // h5dump, when installed, must open the file (a non-zero exit is a failure, not a skip).
    private static void RequireH5dump(string path, string expected, string options = "-H")
    {
        if (TestFrames.Run("h5dump", "--version", out _) != 0)
        {
            return;
        }

        Assert.True(TestFrames.Run("h5dump", $"{options} {path}", out var dump) == 0, dump);
        Assert.Contains(expected, dump, StringComparison.Ordinal);
    }

    // Runs body with the frames' uncompressed pixels in d/expected.raw.
    private void RunPython(List<PvValue> frames, string body)
    {
        var python = TestFrames.Python();
        if (!TestFrames.Has(python, "h5py") || (body.Contains("hdf5plugin", StringComparison.Ordinal) && !TestFrames.Has(python, "hdf5plugin")))
        {
            return;
        }

        File.WriteAllBytes(Path.Combine(_dir, "expected.raw"), frames.SelectMany(f => new NTNDArray(f).Image.Bytes.ToArray()).ToArray());
        var script = Path.Combine(_dir, "check.py");
        File.WriteAllText(script, "import sys, numpy, h5py\nd = sys.argv[1]\n" + body + "\nprint('ok')\n");
        Assert.True(TestFrames.Run(python!, $"{script} {_dir}", out var output) == 0, output);
        Assert.True(output.Contains("ok", StringComparison.Ordinal) || output.StartsWith("skip", StringComparison.Ordinal), output);
    }
}
