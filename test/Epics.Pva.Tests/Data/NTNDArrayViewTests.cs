using Epics.Pva.Data;
using Epics.Pva.Data.NT;
using Epics.Pva.Protocol;
using Epics.Pva.Tests.Conformance;

namespace Epics.Pva.Tests.Data;

public class NTNDArrayViewTests
{
    // An RGB1 4x2 ushort frame with ColorMode and Exposure attributes, as a received value (decoded from its encoding).
    private static PvValue Received(NTNDArrayLayout layout)
    {
        var frame = NTNDArray.Create(new ImageShape(4, 2, NDColorMode.RGB1), ScalarType.UShort, layout);
        var pixels = frame.GetWritableImage<ushort>().GetWritablePixels();
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (ushort)(1000 + i);
        }

        frame.SetAttribute("Exposure", 0.25);
        frame.UniqueId = 77;
        frame.TimeStamp = new PvTimeStamp(1_700_000_000, 5, 1);
        frame.DataTimeStamp = new PvTimeStamp(1_700_000_001, 6);
        var bytes = Wire.Encode(false, w => ValueCodec.WriteFull(w, frame.Structure));
        var decoded = new PvValue(frame.Structure.Type);
        var reader = new PvaReader(bytes, false, null);
        ValueCodec.ReadFull(ref reader, decoded);
        Assert.True(reader.IsEmpty);
        frame.Structure.Dispose();
        return decoded;
    }

    [Theory]
    [InlineData(NTNDArrayLayout.NormativeTypes)]
    [InlineData(NTNDArrayLayout.PvaPy)]
    [InlineData(NTNDArrayLayout.Pvxs)]
    public void A_received_frame_reads_back_what_was_built(NTNDArrayLayout layout)
    {
        using var value = Received(layout);
        var frame = new NTNDArray(value);
        Assert.Equal(3, frame.DimensionCount);
        Assert.Equal([3, 4, 2], [frame.GetDimensionSize(0), frame.GetDimensionSize(1), frame.GetDimensionSize(2)]);
        Assert.Equal(new NTDimension(4), frame.GetDimension(1));
        Assert.Equal(NDColorMode.RGB1, frame.ColorMode);
        Assert.Equal(new ImageShape(4, 2, NDColorMode.RGB1), frame.ImageShape);
        Assert.Equal(ScalarType.UShort, frame.ElementType);
        Assert.Equal(new NTNDArrayCodec("", null, 48, 48), frame.Codec);
        Assert.False(frame.Codec.IsCompressed);
        Assert.Equal(77, frame.UniqueId);
        Assert.Equal(new PvTimeStamp(1_700_000_000, 5, 1), frame.TimeStamp);
        Assert.Equal(new PvTimeStamp(1_700_000_001, 6), frame.DataTimeStamp);
        Assert.True(frame.TryGetAttribute("Exposure", out var exposure));
        Assert.Equal(0.25, exposure.Value);
        Assert.Equal(1023, frame.GetImage<ushort>()[3, 1, 2]);
    }

    [Theory]
    [InlineData(NTNDArrayLayout.NormativeTypes)]
    [InlineData(NTNDArrayLayout.PvaPy)]
    [InlineData(NTNDArrayLayout.Pvxs)]
    public void Reading_a_frame_allocates_nothing(NTNDArrayLayout layout)
    {
        using var value = Received(layout);
        var expected = ReadEverything(value); // the first read finds the field offsets of this type
        var before = GC.GetAllocatedBytesForCurrentThread();
        var sum = ReadEverything(value);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(expected, sum);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Reading_a_compressed_frame_codec_allocates_nothing()
    {
        var frame = NTNDArray.Create(NTNDArrayLayout.PvaPy);
        frame.SetDimensions(16, 8);
        frame.SetCompressedImage(PvArray.Create<byte>([1, 2, 3, 4, 5]), "bslz4", ScalarType.UShort, 256);
        var codec = frame.Codec;
        Assert.Equal(new NTNDArrayCodec("bslz4", ScalarType.UShort, 5, 256), codec);
        Assert.Equal(6, frame.CodecParameters.Content!.Root.GetInt32()); // areaDetector's code for ushort
        Assert.Equal(ScalarType.UByte, frame.ElementType);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var again = new NTNDArray(frame.Structure).Codec;
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(codec, again);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void SetCodec_reuses_the_parameters_it_already_holds()
    {
        var frame = NTNDArray.Create();
        frame.SetCodec("lz4", ScalarType.Float);
        var parameters = frame.CodecParameters.Content;
        frame.Structure.Changed.Clear();
        frame.SetCodec("lz4", ScalarType.Double);
        Assert.Same(parameters, frame.CodecParameters.Content);
        Assert.Equal(ScalarType.Double, frame.CodecOriginalType);
        Assert.True(frame.CodecParameters.IsChanged);
        frame.SetCodec("");
        Assert.Null(frame.CodecParameters.Content);
        Assert.Null(frame.CodecOriginalType);
    }

    [Fact]
    public void A_frame_without_optional_fields_reads_defaults()
    {
        var type = PvType.Builder(NTNDArray.Id).Add("value", NTNDArray.TypeFor()["value"]!).Build();
        var frame = new NTNDArray(new PvValue(type));
        Assert.Equal(0, frame.UniqueId);
        Assert.Equal(default, frame.TimeStamp);
        Assert.Equal(0, frame.DimensionCount);
        Assert.Equal(NDColorMode.Mono, frame.ColorMode);
        Assert.False(frame.TryGetAttribute("ColorMode", out _));
        Assert.Equal("", frame.CodecName);
        Assert.True(frame.GetImage<byte>().IsEmpty);
        Assert.Throws<InvalidOperationException>(() => frame.UniqueId = 1);
        Assert.Throws<ArgumentException>(() => new NTNDArray(new PvValue(PvType.Builder().Add("value", ScalarType.Int).Build())));
    }

    [Fact]
    public void Frames_of_the_pvapy_simulator_read_through_the_view()
    {
        CaptureFiles.RequireRoot();
        var replay = CaptureReplay.Run("pva-adsim/uint16-8x4/pvget.json", roundTrip: false);
        var value = replay.Messages.Single(m => !m.IsControl && m.Command == PvaCommand.Get && m.FromServer && m.Sub == 0x00)["data"].Value!;
        var frame = new NTNDArray(value);
        var image = frame.GetImage<ushort>();
        Assert.Equal(new ImageShape(8, 4), image.Shape);
        Assert.True(frame.TryGetColorMode(out var mode));
        Assert.Equal(NDColorMode.Mono, mode);
        Assert.Equal(frame.Image.AsSpan<ushort>()[8 + 3], image[3, 1]);
        Assert.Equal(8, image.Row(2).Length);
        Assert.Throws<InvalidCastException>(() => frame.GetImage<short>());
    }

    private static long ReadEverything(PvValue value)
    {
        var frame = new NTNDArray(value);
        long sum = frame.DimensionCount + frame.GetDimensionSize(1) + frame.GetDimension(2).FullSize;
        sum += (int)frame.ColorMode + (int)frame.ElementType!.Value + frame.ImageShape.Nx;
        var codec = frame.Codec;
        sum += codec.Name.Length + codec.CompressedSize + codec.UncompressedSize + (codec.OriginalType is null ? 1 : 2);
        sum += frame.UniqueId + frame.TimeStamp.Nanoseconds + frame.DataTimeStamp.SecondsPastEpoch + frame.TimeStamp.UserTag;
        sum += frame.TryGetAttribute("Exposure", out var exposure) ? (long)(exposure.ValueField.GetDouble() * 100) : 0;
        sum += frame.TryGetAttribute("Gain", out _) ? 1000 : 0;
        var image = frame.GetImage<ushort>();
        sum += image.Nx + image.Ny + image.Row(1)[0] + image[1, 1, 2] + image.Pixel(3, 0)[1] + image.Pixels.Length;
        return sum;
    }
}
