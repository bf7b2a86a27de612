using System.Security.Cryptography;
using System.Text.Json;
using Epics.Pva;
using Epics.Pva.Client;
using Epics.Pva.Data;
using Epics.Pva.Data.NT;
using Epics.Streaming.Formats.Hdf5;
using Epics.Streaming.Codecs;

namespace Epics.Streaming.Tests;

/// <summary>
/// Compressed HDF5 input: our lz4 and bitshuffle filters against files written by libhdf5 with the real plugins
/// (Fixtures/make_hdf5_fixtures.py), and the stored-chunk pass-through of <c>-hcm</c>.
/// </summary>
public sealed class Hdf5CompressionTests
{
    private static readonly string Fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "compressed.h5");
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    // The fixture's values: (frame*1000 + y*nx + x) wrapped into the element type.
    private static double Expected(ScalarType type, int frame, int i)
    {
        var v = (frame * 1000L) + i;
        return type switch
        {
            ScalarType.UByte => v % 256,
            ScalarType.UShort => v % 65536,
            _ => v,
        };
    }

    private static void AssertFrame(PvArray frame, int index)
    {
        var values = frame.ToDoubleArray();
        for (var i = 0; i < values.Length; i++)
        {
            Assert.True(Expected(frame.ElementType, index, i) == values[i], $"frame {index} element {i}: {values[i]}");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public void Bitshuffle_matches_the_bit_row_definition_and_round_trips(int elementSize)
    {
        const int n = 64;
        var input = new byte[n * elementSize];
        new Random(elementSize).NextBytes(input);
        var shuffled = new byte[input.Length];
        Bitshuffle.Shuffle(input, shuffled, n, elementSize);

        // Row 8j+b holds bit b of byte j of every element, element i at bit i%8 of byte i/8.
        for (var j = 0; j < elementSize; j++)
        {
            for (var b = 0; b < 8; b++)
            {
                for (var i = 0; i < n; i++)
                {
                    var want = (input[(i * elementSize) + j] >> b) & 1;
                    var got = (shuffled[(((8 * j) + b) * n / 8) + (i / 8)] >> (i % 8)) & 1;
                    Assert.Equal(want, got);
                }
            }
        }

        var back = new byte[input.Length];
        Bitshuffle.Unshuffle(shuffled, back, n, elementSize);
        Assert.Equal(input, back);
    }

    [Theory]
    [InlineData("bslz4/uint8", ScalarType.UByte)]
    [InlineData("bslz4/uint16", ScalarType.UShort)]
    [InlineData("bslz4/int32", ScalarType.Int)]
    [InlineData("bslz4/float32", ScalarType.Float)]
    [InlineData("bslz4/uint64", ScalarType.ULong)]
    [InlineData("bslz4/blocks", ScalarType.UShort)]
    [InlineData("bslz4/block256", ScalarType.UShort)]
    [InlineData("bitshuffle/none", ScalarType.UShort)]
    [InlineData("lz4/uint8", ScalarType.UByte)]
    [InlineData("lz4/float32", ScalarType.Float)]
    [InlineData("lz4/big", ScalarType.UShort)]
    [InlineData("plain/single", ScalarType.UShort)]
    public void Datasets_written_by_libhdf5_decode_to_their_values(string dataset, ScalarType type)
    {
        using var source = new Hdf5FrameSource(Fixture, dataset, new FrameBufferPool());
        Assert.Equal(type, source.Shape.ElementType);
        Assert.Equal(string.Empty, source.Codec);
        for (var i = 0; i < source.FrameCount; i++)
        {
            using var frame = source.ReadFrame(i);
            AssertFrame(frame, i);
        }
    }

    [Theory]
    [InlineData("bslz4/uint16", "bslz4")]
    [InlineData("bslz4/blocks", "bslz4")]
    [InlineData("lz4/uint8", "lz4")]
    [InlineData("lz4/big", "lz4")]
    [InlineData("blosc/lz4-shuffle", "blosc")]
    [InlineData("blosc/zlib-bitshuffle", "blosc")]
    public void Stored_chunks_are_the_bytes_libhdf5_reads_directly(string dataset, string codec)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.ChangeExtension(Fixture, ".chunks.json")));
        var expected = doc.RootElement.GetProperty(dataset).EnumerateArray().ToList();
        using var source = new Hdf5FrameSource(Fixture, dataset, new FrameBufferPool(), storedChunks: true);
        Assert.Equal(codec, source.Codec);
        Assert.Null(source.Note);
        Assert.Equal(expected.Count, source.FrameCount);
        var filter = Assert.Single(Hdf5FiltersNamed(codec));
        for (var i = 0; i < source.FrameCount; i++)
        {
            using var frame = source.ReadStoredFrame(i);
            Assert.Equal(codec, frame.Codec);
            Assert.Equal(ScalarType.UByte, frame.Data.ElementType);
            Assert.Equal(source.Shape.ByteLength, frame.UncompressedSize);
            Assert.Equal(expected[i].GetProperty("length").GetInt32(), frame.Data.ByteLength);
            Assert.Equal(expected[i].GetProperty("sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(frame.Data.Bytes)));

            // And the chunk alone decodes to the frame (the element size comes from the filter parameters).
            var decoded = new byte[source.Shape.ByteLength];
            filter.Decode(frame.Data.Bytes, [0, 3, (uint)source.Shape.ElementType.ElementSize(), 0, 2], decoded);
            using var plain = source.ReadFrame(i);
            Assert.Equal(plain.Bytes.ToArray(), decoded);
        }
    }

    private static IEnumerable<Hdf5CodecFilter> Hdf5FiltersNamed(string codec) =>
        new ushort[] { Hdf5Lz4Filter.Id, Hdf5BitshuffleFilter.Id, Hdf5BloscFilter.Id }.Select(id => Hdf5Filters.Find(id)!).Where(f => f.Name == codec);

    [Fact]
    public void Chunks_that_cannot_be_decoded_here_still_stream_as_stored()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.ChangeExtension(Fixture, ".chunks.json")));
        var expected = doc.RootElement.GetProperty("blosc/zstd-shuffle").EnumerateArray().ToList();
        var pool = new FrameBufferPool();
        using (var decoded = new Hdf5FrameSource(Fixture, "blosc/zstd-shuffle", pool))
        {
            Assert.ThrowsAny<Exception>(() => decoded.ReadFrame(0).Dispose()); // zstd is not available to decode
        }

        using var source = new Hdf5FrameSource(Fixture, "blosc/zstd-shuffle", pool, storedChunks: true);
        Assert.Equal("blosc", source.Codec);
        Assert.Contains("without checking", source.Note);
        using var frame = source.ReadStoredFrame(1);
        Assert.Equal(expected[1].GetProperty("sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(frame.Data.Bytes)));
    }

    [Fact]
    public void Stored_chunks_need_one_codec_filter_and_one_chunk_per_frame()
    {
        var pool = new FrameBufferPool();
        var mixed = Assert.Throws<StreamingConfigurationException>(() => new Hdf5FrameSource(Fixture, "mixed/shuffle-lz4", pool, storedChunks: true));
        Assert.Contains("more filters than lz4", mixed.Message);
        var chunked = Assert.Throws<StreamingConfigurationException>(() => new Hdf5FrameSource(Fixture, "mixed/two-frames-per-chunk", pool, storedChunks: true));
        Assert.Contains("one chunk per frame", chunked.Message);

        // Without -hcm both read fine, decoded.
        using (var source = new Hdf5FrameSource(Fixture, "mixed/shuffle-lz4", pool))
        using (var frame = source.ReadFrame(2))
        {
            AssertFrame(frame, 2);
        }

        // A single 2-D frame chunked whole passes through too.
        using (var single = new Hdf5FrameSource(Fixture, "plain/single", pool, storedChunks: true))
        using (var stored = single.ReadStoredFrame(0))
        {
            Assert.Equal(("bslz4", 1), (single.Codec, single.FrameCount));
            var decoded = new byte[single.Shape.ByteLength];
            new Hdf5BitshuffleFilter().Decode(stored.Data.Bytes, [0, 3, 2, 0, 2], decoded);
            using var plainFrame = single.ReadFrame(0);
            Assert.Equal(plainFrame.Bytes.ToArray(), decoded);
        }

        using var plain = new Hdf5FrameSource(Fixture, "plain/uint16", pool, storedChunks: true);
        Assert.Equal(string.Empty, plain.Codec);
        Assert.Contains("not stored compressed", plain.Note);

        // libhdf5 stored these blosc chunks unfiltered (they did not shrink): they go out as plain frames.
        using var unfiltered = new Hdf5FrameSource(Fixture, "blosc/lz4-noshuffle", pool, storedChunks: true);
        Assert.Equal(string.Empty, unfiltered.Codec);
        using var frame1 = unfiltered.ReadStoredFrame(1);
        Assert.Equal(string.Empty, frame1.Codec);
        AssertFrame(frame1.Data, 1);
    }

    [Fact]
    public void Filters_round_trip_their_own_encoding()
    {
        var input = new byte[2 * 19_203]; // uint16: several blocks, a short block and 3 leftover elements
        for (var i = 0; i < input.Length / 2; i++)
        {
            BitConverter.TryWriteBytes(input.AsSpan(2 * i), (ushort)(i * 7 % 1000));
        }

        uint[] bsParameters = [0, 3, 2, 0, 2];
        foreach (var (filter, parameters) in new (Hdf5CodecFilter, uint[])[] { (new Hdf5Lz4Filter(), []), (new Hdf5BitshuffleFilter(), bsParameters) })
        {
            var packed = filter.Encode(input, parameters);
            Assert.True(packed.Length < input.Length / 2, filter.Name);
            Assert.Equal(input.Length, filter.DecodedLength(packed, parameters));
            var output = new byte[input.Length];
            Assert.Equal(input.Length, filter.Decode(packed, parameters, output));
            Assert.Equal(input, output);
        }
    }

    [Theory]
    [InlineData(5)]
    [InlineData(12)]
    [InlineData(20)]
    [InlineData(100)]
    public void Truncated_chunks_are_rejected_cleanly(int keep)
    {
        uint[] parameters = [0, 3, 2, 0, 2];
        var input = Enumerable.Range(0, 20_000).Select(i => (byte)(i % 13)).ToArray();
        foreach (var (filter, p) in new (Hdf5CodecFilter, uint[])[] { (new Hdf5Lz4Filter(), []), (new Hdf5BitshuffleFilter(), parameters) })
        {
            var packed = filter.Encode(input, p);
            var output = new byte[input.Length];
            Assert.Throws<InvalidDataException>(() => filter.Decode(packed.AsSpan(0, Math.Min(keep, packed.Length - 1)), p, output));
        }
    }

    [Fact]
    public void Zstd_bitshuffle_chunks_are_reported_as_unsupported()
    {
        var chunk = new Hdf5BitshuffleFilter().Encode(new byte[64], [0, 3, 2, 0, 2]);
        var e = Assert.Throws<InvalidDataException>(() => new Hdf5BitshuffleFilter().Decode(chunk, [0, 3, 2, 0, 3], new byte[64]));
        Assert.Contains("zstd", e.Message);
    }

    [Fact]
    public async Task Queue_mode_reports_the_first_stored_chunk_size()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var options = new AdSimServerOptions
        {
            ChannelName = "t:hcmq", InputFile = Fixture, HdfDataset = "/bslz4/uint16", HdfCompressionMode = true, CacheSize = 1,
            FrameRate = 100, Runtime = 5, StartDelay = 0, ShutdownDelay = 0, DisableCurses = true, ReportPeriod = 0,
        };
        await using var sim = new AdSimServer(options.Registered(), PvaServerOptions.Isolated());
        var log = new AdSimEventLog(sim);
        var stats = await sim.RunAsync(cts.Token);
        var ready = log.Single<AdSimFramesReady>();
        Assert.True(ready.QueueMode);
        Assert.Equal(("bslz4", 198L), (ready.Codec, ready.PublishedBytes));
        Assert.Equal(3, stats.PublishedFrames);
    }

    [Fact]
    public async Task Sim_server_streams_stored_bslz4_chunks_with_the_codec_set()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var options = new AdSimServerOptions
        {
            ChannelName = "t:hcm", InputFile = Fixture, HdfDataset = "/bslz4/uint16", HdfCompressionMode = true,
            FrameRate = 200, Runtime = 0.3, StartDelay = 0.5, ShutdownDelay = 0.2, DisableCurses = true, ReportPeriod = 0,
        };
        await using var sim = new AdSimServer(options.Registered(), PvaServerOptions.Isolated());
        var log = new AdSimEventLog(sim);
        var run = sim.RunAsync(cts.Token);
        await sim.Started.WaitAsync(cts.Token);
        await using var client = new PvaClient(sim.Server!.CreateClientOptions());
        var images = client.Subscribe("t:hcm", "record[queueSize=100,pipeline=true]field()");
        var filter = new Hdf5BitshuffleFilter();
        var seen = 0;
        await foreach (var u in images.WithCancellation(cts.Token))
        {
            var nd = new NTNDArray(u.Value);
            if (nd.UniqueId == 0)
            {
                continue;
            }

            Assert.Equal("bslz4", nd.CodecName);
            Assert.Equal(ScalarType.UShort, nd.CodecOriginalType);
            Assert.Equal(ScalarType.UByte, nd.ElementType);
            Assert.Equal([37, 30], nd.Shape);
            Assert.Equal(30 * 37 * 2, nd.UncompressedSize);
            Assert.Equal(nd.Image.ByteLength, nd.CompressedSize);
            var decoded = new byte[30 * 37 * 2];
            filter.Decode(nd.Image.Bytes, [0, 3, 2, 0, 2], decoded);
            var index = (nd.UniqueId - 1) % 3; // three frames, recycled
            var values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(decoded);
            for (var i = 0; i < values.Length; i++)
            {
                Assert.Equal(Expected(ScalarType.UShort, index, i), values[i]);
            }

            if (++seen >= 20)
            {
                break;
            }
        }

        await run.WaitAsync(cts.Token);
        var ready = log.Single<AdSimFramesReady>();
        Assert.Equal(("bslz4", 198L), (ready.Codec, ready.PublishedBytes));
    }
}
