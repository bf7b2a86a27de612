using Epics.Pva.Data;
using Epics.Pva.Data.NT;
using Epics.Streaming.Codecs;
using Epics.Streaming.Formats.Hdf5;
using Epics.Streaming.Frames;

namespace Epics.Streaming.Tests;

/// <summary>
/// The public NTNDArray codecs against chunks libhdf5 and libblosc wrote (Fixtures/compressed.h5, made by
/// make_hdf5_fixtures.py): each stored chunk, published as <c>-hcm</c> publishes it, decompresses to the frame the
/// HDF5 reader decodes; uncompressed frames survive a compress/decompress round trip with the codec fields set.
/// </summary>
public sealed class NdArrayCodecTests
{
    private static readonly string Compressed = Path.Combine(AppContext.BaseDirectory, "Fixtures", "compressed.h5");

    public static TheoryData<string, string> StoredDatasets => new()
    {
        { "/bslz4/uint8", "bslz4" },
        { "/bslz4/uint16", "bslz4" },
        { "/bslz4/int32", "bslz4" },
        { "/bslz4/float32", "bslz4" },
        { "/bslz4/uint64", "bslz4" },
        { "/bslz4/blocks", "bslz4" },
        { "/lz4/uint8", "lz4" },
        { "/lz4/float32", "lz4" },
        { "/lz4/big", "lz4" },
        { "/blosc/lz4-shuffle", "blosc" },
    };

    [Theory]
    [MemberData(nameof(StoredDatasets))]
    public void Stored_chunks_decompress_to_the_decoded_frames(string dataset, string codec)
    {
        var pool = new FrameBufferPool();
        using var stored = new Hdf5FrameSource(Compressed, dataset, pool, storedChunks: true);
        using var decoded = new Hdf5FrameSource(Compressed, dataset, pool);
        Assert.Equal(codec, stored.Codec);
        for (var i = 0; i < stored.FrameCount; i++)
        {
            using var chunk = stored.ReadPublishable(i);
            var nd = Publish(chunk);
            using var expected = decoded.ReadFrame(i);
            using var frame = NdArrayCodec.Decompress(nd.Structure, pool);
            Assert.Equal(expected.ElementType, frame.ElementType);
            Assert.True(expected.Bytes.SequenceEqual(frame.Bytes), $"{dataset} frame {i}");
            Assert.Equal(expected.ByteLength >= FrameBufferPool.MinPooledBytes, frame.IsPooled);
        }
    }

    [Theory]
    [InlineData("/bslz4/uint16")]
    [InlineData("/bslz4/blocks")]
    public void Bslz4_without_the_hdf5_header_decodes_as_areaDetector_sends_it(string dataset)
    {
        using var stored = new Hdf5FrameSource(Compressed, dataset, new FrameBufferPool(), storedChunks: true);
        using var decoded = new Hdf5FrameSource(Compressed, dataset, new FrameBufferPool());
        using var chunk = stored.ReadPublishable(0);
        var blockBytes = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(chunk.Data.Bytes[8..]);
        if (blockBytes != Bitshuffle.DefaultBlockElements(chunk.Shape.ElementType.ElementSize()) * chunk.Shape.ElementType.ElementSize())
        {
            Assert.Skip($"{dataset} uses {blockBytes}-byte blocks; headerless data has default-sized blocks");
        }

        using var headerless = PvArray.Create(chunk.Data.Bytes[Bslz4Chunk.HeaderLength..]);
        var nd = Publish(new SimFrame(headerless.Retain(), chunk.Shape, "bslz4", chunk.UncompressedSize));
        using var expected = decoded.ReadFrame(0);
        using var frame = NdArrayCodec.Decompress(nd.Structure);
        Assert.True(expected.Bytes.SequenceEqual(frame.Bytes));
    }

    [Theory]
    [InlineData("/lz4/big", "lz4")]
    [InlineData("/lz4/big", "bslz4")]
    [InlineData("/bslz4/uint8", "bslz4")]
    [InlineData("/bslz4/int32", "lz4")]
    [InlineData("/bslz4/float32", "bslz4")]
    [InlineData("/bslz4/uint64", "bslz4")]
    public void Frames_round_trip_with_the_codec_fields_set_the_areaDetector_way(string dataset, string codec)
    {
        using var source = new Hdf5FrameSource(Compressed, dataset, new FrameBufferPool());
        var nd = NTNDArray.Create(NTNDArrayLayout.PvaPy);
        nd.SetDimensions(source.Shape.Dimensions);
        nd.SetImage(source.ReadFrame(source.FrameCount - 1));
        var original = nd.Image.Bytes.ToArray();
        var type = nd.ElementType;

        NdArrayCodec.Compress(nd.Structure, codec);
        Assert.Equal(codec, nd.CodecName);
        Assert.Equal(type, nd.CodecOriginalType);
        Assert.Equal(ScalarType.UByte, nd.ElementType);
        Assert.Equal(nd.Image.ByteLength, nd.CompressedSize);
        Assert.Equal(original.Length, nd.UncompressedSize);
        Assert.True(codec != "bslz4" || nd.CompressedSize < original.Length, "bslz4 did not shrink a ramp");

        using (var frame = NdArrayCodec.Decompress(nd.Structure))
        {
            Assert.Equal(type, frame.ElementType);
            Assert.Equal(original, frame.Bytes.ToArray());
        }

        NdArrayCodec.DecompressInPlace(nd.Structure);
        Assert.Equal(string.Empty, nd.CodecName);
        Assert.Null(nd.CodecOriginalType);
        Assert.Equal(type, nd.ElementType);
        Assert.Equal((original.Length, original.Length), ((int)nd.CompressedSize, (int)nd.UncompressedSize));
        Assert.Equal(original, nd.Image.Bytes.ToArray());
    }

    [Fact]
    public void An_uncompressed_frame_decompresses_to_its_own_array()
    {
        var nd = NTNDArray.Create(NTNDArrayLayout.PvaPy);
        nd.SetImage(PvArray.Wrap(new ushort[] { 1, 2, 3 }));
        using var frame = NdArrayCodec.Decompress(nd.Structure);
        Assert.Equal([1, 2, 3], frame.ToArray<ushort>());
    }

    [Fact]
    public void Unknown_codecs_missing_parameters_and_corrupt_data_are_refused()
    {
        var nd = NTNDArray.Create(NTNDArrayLayout.PvaPy);
        nd.SetImage(PvArray.Wrap(new byte[] { 1, 2, 3, 4 }));
        nd.SetCodec("jpeg", ScalarType.UByte);
        Assert.Throws<NotSupportedException>(() => NdArrayCodec.Decompress(nd.Structure));

        nd.SetCodec("lz4");
        nd.UncompressedSize = 4;
        Assert.Contains("codec.parameters", Assert.Throws<InvalidDataException>(() => NdArrayCodec.Decompress(nd.Structure)).Message);

        nd.SetCodec("blosc", ScalarType.UShort);
        nd.UncompressedSize = 8;
        Assert.Throws<InvalidDataException>(() => NdArrayCodec.Decompress(nd.Structure));

        Assert.Throws<NotSupportedException>(() => NdArrayCodec.Compress(PvArray.Wrap(new byte[4]), "blosc"));
    }

    // The frame as ad-sim-server -hcm publishes a stored chunk.
    private static NTNDArray Publish(SimFrame chunk)
    {
        var nd = NTNDArray.Create(NTNDArrayLayout.PvaPy);
        nd.SetDimensions(chunk.Shape.Dimensions);
        nd.SetCodec(chunk.Codec, chunk.Shape.ElementType);
        nd.SetImage(chunk.Data.Retain());
        nd.CompressedSize = chunk.Data.ByteLength;
        nd.UncompressedSize = chunk.UncompressedSize;
        return nd;
    }
}
