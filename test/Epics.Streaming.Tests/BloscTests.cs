using System.Buffers.Binary;
using System.Diagnostics;
using Epics.Pva.Data;
using Epics.Streaming.Formats.Hdf5;
using Epics.Streaming.Frames;
using Epics.Streaming.Codecs;
using PureHDF;
using PureHDF.VOL.Native;

namespace Epics.Streaming.Tests;

/// <summary>
/// The managed Blosc decoder and HDF5 filter 32001, against chunks libblosc 1.21 wrote through libhdf5
/// (Fixtures/make_hdf5_fixtures.py → compressed.h5, Fixtures/make_blosc_fixtures.py → blosc.h5), hand-made BloscLZ
/// streams, and damaged input.
/// </summary>
public sealed class BloscTests
{
    private static readonly string Compressed = Path.Combine(AppContext.BaseDirectory, "Fixtures", "compressed.h5");
    private static readonly string Blosc = Path.Combine(AppContext.BaseDirectory, "Fixtures", "blosc.h5");

    static BloscTests() => Hdf5Filters.EnsureRegistered();

    // The fixtures' patterns, i = y*nx + x within frame f (see make_blosc_fixtures.py).
    private static long Pattern(string kind, int f, int y, int x, int nx) => kind switch
    {
        "ramp" => (f * 1000L) + (y * nx) + x,
        "steps" => (f * 7L) + (y / 3 * 11) + (x / 5),
        "noise" => ((f * 1000L) + (y * nx) + x) * 2654435761L % (1L << 32) >> 24,
        _ => throw new ArgumentException(kind),
    };

    private static double[] ReadAll(string file, string dataset, string dtype, out ulong[] dims)
    {
        using var h5 = H5File.OpenRead(file);
        var ds = h5.Dataset(dataset);
        dims = ds.Space.Dimensions;
        return dtype switch
        {
            "uint8" => [.. ds.Read<byte[]>().Select(v => (double)v)],
            "uint16" => [.. ds.Read<ushort[]>().Select(v => (double)v)],
            "int32" => [.. ds.Read<int[]>().Select(v => (double)v)],
            "float32" => [.. ds.Read<float[]>().Select(v => (double)v)],
            "uint64" => [.. ds.Read<ulong[]>().Select(v => (double)v)],
            _ => throw new ArgumentException(dtype),
        };
    }

    private static void AssertPattern(string file, string dataset, string kind, string dtype)
    {
        var values = ReadAll(file, dataset, dtype, out var dims);
        var (n, ny, nx) = ((int)dims[0], (int)dims[1], (int)dims[2]);
        Assert.Equal(n * ny * nx, values.Length);
        var wrap = dtype switch { "uint8" => 256L, "uint16" => 65536L, _ => long.MaxValue };
        var i = 0;
        for (var f = 0; f < n; f++)
        {
            for (var y = 0; y < ny; y++)
            {
                for (var x = 0; x < nx; x++, i++)
                {
                    var want = Pattern(kind, f, y, x, nx) % wrap;
                    Assert.True(want == values[i], $"{dataset}[{f},{y},{x}] = {values[i]}, expected {want}");
                }
            }
        }
    }

    /// <summary>The stored bytes of a dataset's first chunk, kept by the filter instead of decoded.</summary>
    private static byte[] StoredChunk(string file, string dataset)
    {
        using var h5 = H5File.OpenRead(file);
        using var capture = Hdf5CodecFilter.BeginCapture();
        h5.Dataset(dataset).Read<ushort[]>();
        Assert.IsType<Hdf5BloscFilter>(capture.Filter);
        return capture.Chunk.ToArray();
    }

    [Theory]
    [InlineData("blosclz-noshuffle")]
    [InlineData("blosclz-shuffle")]
    [InlineData("blosclz-bitshuffle")]
    [InlineData("lz4-noshuffle")]
    [InlineData("lz4-shuffle")]
    [InlineData("lz4-bitshuffle")]
    [InlineData("lz4hc-noshuffle")]
    [InlineData("lz4hc-shuffle")]
    [InlineData("lz4hc-bitshuffle")]
    [InlineData("zlib-noshuffle")]
    [InlineData("zlib-shuffle")]
    [InlineData("zlib-bitshuffle")]
    [InlineData("big-lz4-shuffle")]
    // The noshuffle chunks (and bitshuffle ones, which blosc leaves unshuffled at 1110 elements) did not shrink, so
    // libhdf5 stored them without the filter (filter mask bit 0); PureHDF 2.2 still hands them to the filter.
    public void Blosc_datasets_of_the_compressed_fixture_read_through_PureHDF(string dataset) =>
        AssertPattern(Compressed, $"blosc/{dataset}", "ramp", "uint16");

    [Theory]
    [InlineData("steps/blosclz-noshuffle", "steps", "uint16")]
    [InlineData("steps/blosclz-shuffle", "steps", "uint16")]
    [InlineData("steps/blosclz-bitshuffle", "steps", "uint16")]
    [InlineData("steps/lz4-noshuffle", "steps", "uint16")]
    [InlineData("steps/lz4-shuffle", "steps", "uint16")]
    [InlineData("steps/lz4-bitshuffle", "steps", "uint16")]
    [InlineData("steps/lz4hc-noshuffle", "steps", "uint16")]
    [InlineData("steps/lz4hc-shuffle", "steps", "uint16")]
    [InlineData("steps/lz4hc-bitshuffle", "steps", "uint16")]
    [InlineData("steps/zlib-noshuffle", "steps", "uint16")]
    [InlineData("steps/zlib-shuffle", "steps", "uint16")]
    [InlineData("steps/zlib-bitshuffle", "steps", "uint16")]
    [InlineData("bitshuffle/blosclz-uint16", "ramp", "uint16")]
    [InlineData("bitshuffle/lz4-uint16", "ramp", "uint16")]
    [InlineData("bitshuffle/lz4hc-uint16", "ramp", "uint16")]
    [InlineData("bitshuffle/zlib-uint16", "ramp", "uint16")]
    [InlineData("types/blosclz-shuffle-uint8", "steps", "uint8")]
    [InlineData("types/blosclz-shuffle-int32", "steps", "int32")]
    [InlineData("types/blosclz-shuffle-float32", "steps", "float32")]
    [InlineData("types/blosclz-shuffle-uint64", "steps", "uint64")]
    [InlineData("types/lz4-bitshuffle-uint8", "ramp", "uint8")]
    [InlineData("types/lz4-bitshuffle-int32", "ramp", "int32")]
    [InlineData("types/lz4-bitshuffle-float32", "ramp", "float32")]
    [InlineData("types/lz4-bitshuffle-uint64", "ramp", "uint64")]
    [InlineData("blocks/blosclz-shuffle", "ramp", "uint16")]
    [InlineData("blocks/lz4-bitshuffle", "ramp", "uint16")]
    [InlineData("blocks/zlib-noshuffle-nosplit", "steps", "uint16")]
    [InlineData("blocks/bitshuffle-short-last", "ramp", "uint16")]
    [InlineData("nosplit/blosclz-shuffle", "ramp", "uint16")]
    [InlineData("typesize/blosclz-shuffle-ts3", "steps", "uint16")]
    [InlineData("typesize/lz4-shuffle-ts32", "steps", "uint16")]
    [InlineData("raw/blosclz-shuffle-noise", "noise", "uint16")]
    [InlineData("memcpy/clevel0", "ramp", "uint16")]
    public void Chunks_libblosc_wrote_decode_to_their_values(string dataset, string kind, string dtype) =>
        AssertPattern(Blosc, dataset, kind, dtype);

    [Fact]
    public void Blosc_datasets_stream_as_frames()
    {
        using var source = new Hdf5FrameSource(Compressed, "/blosc/lz4-shuffle", new FrameBufferPool());
        Assert.Equal(3, source.FrameCount);
        Assert.Equal(new FrameShape(37, 30, 0, ScalarType.UShort), source.Shape);
        for (var f = 0; f < source.FrameCount; f++)
        {
            using var frame = source.ReadFrame(f);
            var values = frame.ToDoubleArray();
            Assert.Equal(30 * 37, values.Length);
            for (var i = 0; i < values.Length; i++)
            {
                Assert.Equal((f * 1000) + i, values[i]);
            }
        }
    }

    [Theory]
    [InlineData("blocks/blosclz-shuffle")]
    [InlineData("blocks/lz4-bitshuffle")]
    [InlineData("blocks/zlib-noshuffle-nosplit")]
    public void The_filter_decodes_a_stored_chunk_on_its_own(string dataset)
    {
        var chunk = StoredChunk(Blosc, dataset);
        var filter = Hdf5Filters.Find(Hdf5BloscFilter.Id)!;
        Assert.Equal("blosc", filter.Name);
        var length = filter.DecodedLength(chunk, []);
        var output = new byte[length];
        Assert.Equal(length, filter.Decode(chunk, [], output));
        using var h5 = H5File.OpenRead(Blosc);
        var ds = h5.Dataset(dataset);
        var frame0 = ds.Read<ushort[]>().AsSpan(0, length / 2);
        Assert.True(frame0.SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(output)));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(2220, 2)]
    [InlineData(100_003, 4)]
    public void Encoded_chunks_are_memcpyed_and_decode_back(int length, int typesize)
    {
        var input = new byte[length];
        new Random(length).NextBytes(input);
        var filter = new Hdf5BloscFilter();
        var parameters = filter.GetParameters([(uint)length], (uint)typesize, null);
        Assert.Equal(new uint[] { 2, 2, (uint)typesize, (uint)(length * typesize), 0, 0, 0 }, parameters);
        var chunk = filter.Encode(input, parameters);
        Assert.Equal(16 + length, chunk.Length);
        Assert.Equal(new byte[] { 2, 1, 0x02, (byte)typesize }, chunk[..4]);
        Assert.Equal(chunk.Length, BinaryPrimitives.ReadInt32LittleEndian(chunk.AsSpan(12)));
        Assert.Equal(length, filter.DecodedLength(chunk, parameters));
        var output = new byte[length];
        Assert.Equal(length, filter.Decode(chunk, parameters, output));
        Assert.Equal(input, output);
    }

    [Fact]
    public async Task Files_PureHDF_writes_with_the_filter_read_back_and_libhdf5_reads_them_too()
    {
        var data = new ushort[3, 20, 30];
        for (var f = 0; f < 3; f++)
        {
            for (var i = 0; i < 600; i++)
            {
                data[f, i / 30, i % 30] = (ushort)((f * 1000) + i);
            }
        }

        var dir = Directory.CreateTempSubdirectory("blosc-tests");
        try
        {
            var path = Path.Combine(dir.FullName, "written.h5");
            var creation = new H5DatasetCreation(Filters: [Hdf5BloscFilter.Id]);
            new H5File { ["data"] = new H5Dataset(data, chunks: [1, 20, 30], datasetCreation: creation) }.Write(path);
            AssertPattern(path, "data", "ramp", "uint16");

            const string python = "/usr/bin/python3";
            const string plugins = "/usr/lib/x86_64-linux-gnu/hdf5/serial/plugins";
            if (!File.Exists(python) || !Directory.Exists(plugins))
            {
                Assert.Skip("no python3 with the HDF5 blosc plugin to cross-check with");
            }

            var check = "import sys, h5py, numpy as np\n" +
                "f = h5py.File(sys.argv[1])\n" +
                "assert f['data']._filters == {'32001': (2, 2, 2, 1200, 0, 0, 0)}, f['data']._filters\n" +
                "v = np.arange(3)[:, None] * 1000 + np.arange(600)[None, :]\n" +
                "assert (f['data'][...].reshape(3, 600) == v).all()\n" +
                "print('ok')\n";
            var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add(check);
            psi.ArgumentList.Add(path);
            psi.Environment["HDF5_PLUGIN_PATH"] = plugins;
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            using var p = Process.Start(psi)!;
            var stderr = p.StandardError.ReadToEndAsync(cts.Token);
            var stdout = await p.StandardOutput.ReadToEndAsync(cts.Token);
            await p.WaitForExitAsync(cts.Token);
            var err = await stderr;
            if (err.Contains("No module named 'h5py'", StringComparison.Ordinal))
            {
                Assert.Skip("python3 has no h5py");
            }

            Assert.True(p.ExitCode == 0, $"libhdf5 could not read the file: {err}");
            Assert.Equal("ok", stdout.Trim());
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    // Hand-made BloscLZ streams: control byte c < 32 is a literal run of c+1 bytes; a match is
    // (length-2)<<5 | distance-1 high bits, then the distance's low byte.
    [Fact]
    public void BloscLz_decodes_literals_and_near_matches()
    {
        byte[] stream =
        [
            0x03, (byte)'a', (byte)'b', (byte)'c', (byte)'d', // 4 literals
            (2 << 5) | 0, 3,                                 // length 4, distance 4: "abcd"
            (1 << 5) | 0, 0,                                 // length 3, distance 1: "ddd"
            (3 << 5) | 0, 1,                                 // length 5, distance 2 (overlapping): "ddddd"
            0x00, (byte)'z',
        ];
        var output = new byte[17];
        Assert.Equal(17, BloscLz.Decode(stream, output));
        Assert.Equal("abcdabcd" + new string('d', 8) + "z", System.Text.Encoding.ASCII.GetString(output));
        Assert.Equal(0, BloscLz.Decode([], output));
    }

    [Fact]
    public void BloscLz_decodes_long_and_far_matches()
    {
        // 9000 literal-ish bytes, then a 600-byte match 9000 back (far form), then a 300-byte run.
        var prefix = Enumerable.Range(0, 9000).Select(i => (byte)(i * 31 % 251)).ToArray();
        var stream = new List<byte>();
        for (var i = 0; i < prefix.Length; i += 32)
        {
            var n = Math.Min(32, prefix.Length - i);
            stream.Add((byte)(n - 1));
            stream.AddRange(prefix.AsSpan(i, n).ToArray());
        }

        // Far match: c = 7<<5 | 31, length extension 600 - 9 = 591 = 255 + 255 + 81, low byte 255, then 9000-8192.
        stream.AddRange([(7 << 5) | 31, 255, 255, 81, 255, (9000 - 8192) >> 8, (9000 - 8192) & 255]);
        // Near run: length 300 = 9 + 255 + 36, distance 1.
        stream.AddRange([7 << 5, 255, 36, 0]);
        stream.AddRange([0, 7]);
        var output = new byte[9000 + 600 + 300 + 1];
        Assert.Equal(output.Length, BloscLz.Decode(stream.ToArray(), output));
        Assert.Equal(prefix, output[..9000]);
        Assert.Equal(prefix[..600], output[9000..9600]);
        Assert.All(output[9600..9900], b => Assert.Equal(prefix[599], b));
        Assert.Equal(7, output[^1]);
    }

    [Theory]
    [InlineData(new byte[] { 0x05, 1, 2 }, "literal run is cut off")]
    [InlineData(new byte[] { 0x00, 1, (1 << 5) | 0, 1, 0x00, 2 }, "before the start")]
    [InlineData(new byte[] { 0x00, 1, (1 << 5) | 0, 0 }, "ends with a match")]
    [InlineData(new byte[] { 0x00, 1, 7 << 5 }, "length is cut off")]
    [InlineData(new byte[] { 0x00, 1, (7 << 5) | 31, 0, 255, 0 }, "far match distance is cut off")]
    [InlineData(new byte[] { 0x00, 1, 7 << 5, 255, 255, 255, 0, 0, 1 }, "overruns the output")]
    [InlineData(new byte[] { 0x1f, 1, 2, 3 }, "cut off")]
    public void Corrupt_BloscLz_streams_are_rejected(byte[] stream, string reason)
    {
        var e = Assert.Throws<InvalidDataException>(() => BloscLz.Decode(stream, new byte[64]));
        Assert.Contains(reason, e.Message);
    }

    /// <summary>A blosc chunk of raw (stored) streams: one int32 size + bytes per stream, blocks as given.</summary>
    private static byte[] RawChunk(byte flags, byte typesize, int blocksize, params byte[][][] blocks) =>
        Chunk(flags, typesize, blocksize, blocks.Sum(b => b.Sum(s => s.Length)), blocks);

    private static byte[] Chunk(byte flags, byte typesize, int blocksize, int nbytes, params byte[][][] blocks)
    {
        var body = new List<byte>();
        var starts = new List<int>();
        var dataStart = 16 + (4 * blocks.Length);
        foreach (var block in blocks)
        {
            starts.Add(dataStart + body.Count);
            foreach (var stream in block)
            {
                body.AddRange(BitConverter.GetBytes(stream.Length));
                body.AddRange(stream);
            }
        }

        var chunk = new byte[dataStart + body.Count];
        chunk[0] = 2;
        chunk[1] = 1;
        chunk[2] = flags;
        chunk[3] = typesize;
        BinaryPrimitives.WriteInt32LittleEndian(chunk.AsSpan(4), nbytes);
        BinaryPrimitives.WriteInt32LittleEndian(chunk.AsSpan(8), blocksize);
        BinaryPrimitives.WriteInt32LittleEndian(chunk.AsSpan(12), chunk.Length);
        for (var i = 0; i < starts.Count; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(chunk.AsSpan(16 + (4 * i)), starts[i]);
        }

        body.CopyTo(chunk, dataStart);
        return chunk;
    }

    [Fact]
    public void Hand_made_chunks_follow_the_split_and_shuffle_rules()
    {
        // typesize 3, byte shuffle, blocks of 384 bytes (128 elements: split in 3 streams), a short last block of
        // 7 bytes (not split; 2 elements shuffled and 1 trailing byte as is).
        var data = Enumerable.Range(0, 391).Select(i => (byte)(i * 7)).ToArray();
        var shuffled = new byte[384];
        for (var i = 0; i < 128; i++)
        {
            for (var j = 0; j < 3; j++)
            {
                shuffled[(j * 128) + i] = data[(i * 3) + j];
            }
        }

        byte[] lastShuffled = [data[384], data[387], data[385], data[388], data[386], data[389], data[390]];
        var chunk = RawChunk(BloscDecoder.ByteShuffleFlag, 3, 384,
            [shuffled[..128], shuffled[128..256], shuffled[256..]], [lastShuffled]);
        var output = new byte[391];
        Assert.Equal(391, BloscDecoder.Decode(chunk, output));
        Assert.Equal(data, output);
    }

    [Fact]
    public void Malformed_chunks_raise_InvalidDataException()
    {
        var good = RawChunk(0, 1, 8, [[1, 2, 3, 4, 5, 6, 7, 8]], [[9, 10]]);
        var output = new byte[10];
        Assert.Equal(10, BloscDecoder.Decode(good, output));

        void Bad(byte[] chunk, string reason, int outputLength = 10)
        {
            var e = Assert.Throws<InvalidDataException>(() => BloscDecoder.Decode(chunk, new byte[outputLength]));
            Assert.Contains(reason, e.Message);
        }

        byte[] With(Action<byte[]> change)
        {
            var copy = good.ToArray();
            change(copy);
            return copy;
        }

        Bad(good[..15], "shorter than its 16-byte header");
        Bad(good[..^1], "compressed bytes but holds");
        Bad(good, "more than the 9 expected", outputLength: 9);
        Bad(With(c => c[0] = 3), "format version 3");
        Bad(With(c => c[2] = 0x08), "reserved");
        Bad(With(c => c[3] = 0), "typesize 0");
        Bad(With(c => c[1] = 2), "codec format version 2");
        Bad(With(c => c[2] = 4 << 5), "zstd are not supported");
        Bad(With(c => c[2] = 2 << 5), "snappy");
        Bad(With(c => c[2] = 6 << 5), "unknown codec 6");
        Bad(With(c => BinaryPrimitives.WriteInt32LittleEndian(c.AsSpan(4), -1)), "-1 decoded bytes");
        Bad(With(c => BinaryPrimitives.WriteInt32LittleEndian(c.AsSpan(8), 0)), "block size 0");
        Bad(With(c => BinaryPrimitives.WriteInt32LittleEndian(c.AsSpan(8), 1)), "offsets of its 10 blocks");
        Bad(With(c => BinaryPrimitives.WriteInt32LittleEndian(c.AsSpan(16), 4)), "block 0 starts at 4");
        Bad(With(c => BinaryPrimitives.WriteInt32LittleEndian(c.AsSpan(20), int.MaxValue)), "block 1 starts at");
        Bad(With(c => BinaryPrimitives.WriteInt32LittleEndian(c.AsSpan(20), c.Length - 2)), "block 1 is cut off");
        Bad(With(c => BinaryPrimitives.WriteInt32LittleEndian(c.AsSpan(24), 1000)), "beyond the chunk's end");
        Bad(With(c => BinaryPrimitives.WriteInt32LittleEndian(c.AsSpan(24), -5)), "-5-byte stream");

        // A stream shorter than its block is compressed: here it is not valid BloscLZ.
        Bad(Chunk(0, 1, 8, 10, [[1, 2, 3, 4, 5, 6, 7, 8]], [[0x05]]), "corrupt BloscLZ stream");
        Bad(Chunk(1 << 5, 1, 8, 10, [[1, 2, 3, 4, 5, 6, 7, 8]], [[0x05]]), "corrupt LZ4 stream");
        Bad(Chunk(3 << 5, 1, 8, 10, [[1, 2, 3, 4, 5, 6, 7, 8]], [[0x78, 0x9c, 0x05]]), "corrupt zlib stream");

        // A memcpyed chunk must hold exactly its data; nbytes 0 decodes to nothing.
        Bad(With(c => c[2] = BloscDecoder.MemcpyedFlag), "memcpyed blosc chunk");
        Assert.Equal(0, BloscDecoder.Decode(With(c => BinaryPrimitives.WriteInt32LittleEndian(c.AsSpan(4), 0)), []));
    }

    [Theory]
    [InlineData("blocks/blosclz-shuffle")]
    [InlineData("blocks/lz4-bitshuffle")]
    [InlineData("blocks/zlib-noshuffle-nosplit")]
    [InlineData("raw/blosclz-shuffle-noise")]
    public void Damaged_real_chunks_fail_only_with_InvalidDataException(string dataset)
    {
        var chunk = StoredChunk(Blosc, dataset);
        var length = BloscDecoder.DecodedLength(chunk);
        var output = new byte[length];
        var random = new Random(dataset.Length);
        var failures = 0;
        for (var trial = 0; trial < 400; trial++)
        {
            var damaged = chunk.ToArray();
            if (trial % 4 == 0)
            {
                damaged = damaged[..random.Next(damaged.Length)];
            }
            else
            {
                for (var k = 0; k < 1 + (trial % 3); k++)
                {
                    // Mostly in the compressed data; sometimes in the header and block offsets.
                    var at = trial % 5 == 0 ? random.Next(Math.Min(64, damaged.Length)) : random.Next(damaged.Length);
                    damaged[at] = (byte)random.Next(256);
                }
            }

            try
            {
                BloscDecoder.Decode(damaged, output);
            }
            catch (InvalidDataException)
            {
                failures++;
            }
        }

        Assert.True(failures > 50, $"only {failures} of 400 damaged chunks were rejected");
    }
}
