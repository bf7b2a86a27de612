using Epics.Pva.Data;
using Epics.Pva.Protocol;
using static Epics.Pva.Tests.Wire;

namespace Epics.Pva.Tests.Protocol;

public class ValueCodecTests
{
    // The pvxs codec test structure (field order gives the bit numbers used by its vectors).
    private static readonly PvType TestType = PvType.Builder("simple_t")
        .AddArray("value", ScalarType.ULong)                                                  // 1
        .AddStructure("timeStamp", "time_t", b => b
            .Add("secondsPastEpoch", ScalarType.Long).Add("nanoseconds", ScalarType.Int).Add("userTag", ScalarType.Int)) // 2..5
        .Add("sarr", PvType.StructureArray(PvType.Builder().Add("value", ScalarType.UInt).Build())) // 6
        .Add("any", PvType.Variant)                                                             // 7
        .Add("anyarr", PvType.VariantArray)                                                     // 8
        .Add("choice", PvType.Union(string.Empty, new PvMember("a", PvType.Float), new PvMember("b", PvType.String))) // 9
        .Add("achoice", PvType.UnionArray(PvType.Union(string.Empty, new PvMember("x", PvType.String), new PvMember("y", PvType.String)))) // 10
        .Build();

    private static readonly PvType NtScalarUInt = PvType.Builder("epics:nt/NTScalar:1.0")
        .Add("value", ScalarType.UInt)
        .AddStructure("alarm", "alarm_t", b => b.Add("severity", ScalarType.Int).Add("status", ScalarType.Int).Add("message", ScalarType.String))
        .AddStructure("timeStamp", "time_t", b => b.Add("secondsPastEpoch", ScalarType.Long).Add("nanoseconds", ScalarType.Int).Add("userTag", ScalarType.Int))
        .Build();

    private static void RoundTrip(bool bigEndian, PvValue value, string hex)
    {
        AssertEncodes(bigEndian, w => ValueCodec.WritePartial(w, value, value.Changed), hex);
        var decoded = new PvValue(value.Type);
        AssertDecodes(bigEndian, hex, (ref PvaReader r) => ValueCodec.ReadPartial(ref r, decoded, new BitSet()));
        AssertEncodes(bigEndian, w => ValueCodec.WritePartial(w, decoded, value.Changed), hex);
    }

    [Fact]
    public void UInt64_array_vector()
    {
        var v = new PvValue(TestType);
        v["value"].Set(new ulong[] { 1, 0xdeadbeef, 2 });
        RoundTrip(true, v, "01 02 | 03 00 00 00 00 00 00 00 01 00 00 00 00 DE AD BE EF 00 00 00 00 00 00 00 02");
    }

    [Fact]
    public void Structure_array_with_a_null_element_vector()
    {
        var v = new PvValue(TestType);
        var f = v["sarr"];
        var a = f.NewElement();
        a["value"].Set(0xdeadbeefUL);
        var b = f.NewElement();
        b["value"].Set(0x1badfaceUL);
        f.SetElements([a, b, null]);
        RoundTrip(true, v, "01 40 | 03 01 DE AD BE EF 01 1B AD FA CE 00");
    }

    [Fact]
    public void Union_vector()
    {
        var v = new PvValue(TestType);
        v["choice"].Select("b").Set("test");
        RoundTrip(true, v, "02 00 02 | 01 04 \"test\"");
        var decoded = new PvValue(TestType);
        new PvaReader(Hex("02 00 02 01 04 \"test\""), true).ReadPartialForTest(decoded);
        Assert.Equal("b", decoded["choice"].SelectedName);
        Assert.Equal("test", decoded["choice"].Content!.Root.GetString());
    }

    [Fact]
    public void Union_array_vector()
    {
        var v = new PvValue(TestType);
        var f = v["achoice"];
        var x = f.NewElement();
        x.Root.Select("x").Set("theX");
        var y = f.NewElement();
        y.Root.Select("y").Set("theY");
        f.SetElements([x, y, null]);
        RoundTrip(true, v, "02 00 04 | 03 01 00 04 \"theX\" 01 01 04 \"theY\" 00");
    }

    [Fact]
    public void Any_vectors()
    {
        var v = new PvValue(TestType);
        var content = new PvValue(PvType.UInt);
        content.Root.Set(0x600df00dU);
        v["any"].SetContent(content);
        RoundTrip(true, v, "01 80 | 26 60 0D F0 0D");

        var empty = new PvValue(TestType);
        empty["any"].SetContent(null);
        RoundTrip(true, empty, "01 80 | FF");
    }

    [Fact]
    public void Any_array_vector()
    {
        var v = new PvValue(TestType);
        var u = new PvValue(PvType.UInt);
        u.Root.Set(0x7b);
        var s = new PvValue(PvType.Builder().Add("q", ScalarType.String).Build());
        s["q"].Set("theq");
        v["anyarr"].SetElements([u, s, null]);
        RoundTrip(true, v, "02 00 01 | 03 01 26 00 00 00 7B 01 80 00 01 01 \"q\" 60 04 \"theq\" 00");
    }

    [Fact]
    public void NTScalar_partial_vectors()
    {
        var v = new PvValue(NtScalarUInt);
        v["value"].Set(0xdeadbeefU);
        RoundTrip(true, v, "01 02 DE AD BE EF");

        var w = new PvValue(NtScalarUInt);
        w["alarm.message"].Set("hello world");
        w["timeStamp.nanoseconds"].Set(0xab);
        RoundTrip(true, w, "02 20 01 | 0B \"hello world\" | 00 00 00 AB");
        RoundTrip(false, w, "02 20 01 | 0B \"hello world\" | AB 00 00 00");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Full_NTScalar_is_29_bytes_and_round_trips(bool bigEndian)
    {
        var v = new PvValue(NtScalarUInt);
        v["value"].Set(7);
        v["timeStamp.secondsPastEpoch"].Set(1795482142L);
        var bytes = Encode(bigEndian, w => ValueCodec.WriteFull(w, v));
        Assert.Equal(29, bytes.Length);
        var d = new PvValue(NtScalarUInt);
        var r = new PvaReader(bytes, bigEndian);
        ValueCodec.ReadFull(ref r, d);
        Assert.Equal(7, d["value"].GetInt32());
        Assert.Equal(1795482142L, d["timeStamp.secondsPastEpoch"].GetInt64());
        Assert.True(d["alarm.status"].IsChanged);
    }

    [Fact]
    public void Marked_structure_sends_its_whole_subtree_once()
    {
        var v = new PvValue(NtScalarUInt);
        v["alarm.severity"].Set(2);
        v["alarm"].MarkChanged(); // bits 2 and 3: the child adds nothing
        var hex = "01 0C | 00 00 00 02 00 00 00 00 00";
        AssertEncodes(true, w => ValueCodec.WritePartial(w, v, v.Changed), hex);
        var d = new PvValue(NtScalarUInt);
        new PvaReader(Hex(hex), true).ReadPartialForTest(d);
        Assert.Equal(2, d["alarm.severity"].GetInt32());
        Assert.True(d["alarm.message"].IsChanged);
        Assert.False(d["value"].IsChanged);
    }

    [Fact]
    public void Partial_update_applies_onto_the_previous_value()
    {
        var v = new PvValue(NtScalarUInt);
        new PvaReader(Hex("01 02 00 00 00 05"), true).ReadPartialForTest(v);
        new PvaReader(Hex("01 08 00 00 00 01"), true).ReadPartialForTest(v);
        Assert.Equal(5, v["value"].GetInt32());
        Assert.Equal(1, v["alarm.severity"].GetInt32());
        Assert.Equal(new BitSet(3), v.Changed);
    }

    [Fact]
    public void Bits_beyond_the_structure_are_ignored()
    {
        var v = new PvValue(NtScalarUInt);
        new PvaReader(Hex("03 02 00 10 00 00 00 05"), true).ReadPartialForTest(v);
        Assert.Equal(5, v["value"].GetInt32());
    }

    [Theory]
    [InlineData(false, ScalarType.UShort)]
    [InlineData(true, ScalarType.UShort)]
    [InlineData(true, ScalarType.Int)]
    [InlineData(true, ScalarType.Double)]
    [InlineData(false, ScalarType.Float)]
    public void Large_arrays_round_trip_in_both_orders(bool bigEndian, ScalarType type)
    {
        var t = PvType.Builder().AddArray("value", type).Build();
        var v = new PvValue(t);
        var arr = PvArray.Allocate(type, 100_000);
        var bytes = arr.WritableBytes;
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(i * 7);
        }

        v["value"].SetArray(arr);
        var wire = Encode(bigEndian, w => ValueCodec.WriteFull(w, v));
        if (bigEndian && type.ElementSize() > 1)
        {
            // Element 0's most significant byte comes first on the wire.
            Assert.Equal(bytes[type.ElementSize() - 1], wire[5]);
        }

        var d = new PvValue(t);
        var r = new PvaReader(wire, bigEndian);
        ValueCodec.ReadFull(ref r, d);
        Assert.True(d["value"].GetArray().Bytes.SequenceEqual(arr.Bytes));
    }

    [Fact]
    public void Pooled_array_is_reused_in_place_when_exclusive()
    {
        var t = PvType.Builder().AddArray("value", ScalarType.UByte).Build();
        var v = new PvValue(t);
        v["value"].SetArray(PvArray.Allocate(ScalarType.UByte, 16384));
        var wire = Encode(false, w => ValueCodec.WriteFull(w, v));
        var d = new PvValue(t);
        var r1 = new PvaReader(wire, false);
        ValueCodec.ReadFull(ref r1, d);
        var first = d["value"].GetArray();
        var r2 = new PvaReader(wire, false);
        ValueCodec.ReadFull(ref r2, d);
        Assert.Same(first, d["value"].GetArray());

        // Once a clone shares it, the next decode must not overwrite it.
        using var held = d.Clone();
        var r3 = new PvaReader(wire, false);
        ValueCodec.ReadFull(ref r3, d);
        Assert.NotSame(first, d["value"].GetArray());
        Assert.Same(first, held["value"].GetArray());
    }

    [Fact]
    public void Oversized_array_count_is_rejected_before_allocating()
    {
        var t = PvType.Builder().AddArray("value", ScalarType.Double).Build();
        var ex = Assert.Throws<PvaProtocolException>(() => new PvaReader(Hex("01 02 FE 00 00 00 10 00"), true).ReadPartialForTest(new PvValue(t)));
        Assert.Contains("exceeds", ex.Message);
    }

    [Fact]
    public void Union_selector_out_of_range_is_rejected()
    {
        var ex = Assert.Throws<PvaProtocolException>(() => new PvaReader(Hex("02 00 02 05 00"), true).ReadPartialForTest(new PvValue(TestType)));
        Assert.Contains("selector", ex.Message);
    }
}

internal static class PartialReaderExtensions
{
    public static void ReadPartialForTest(this PvaReader reader, PvValue value)
    {
        ValueCodec.ReadPartial(ref reader, value, new BitSet());
        Assert.True(reader.IsEmpty, $"{reader.Remaining} bytes left");
    }
}

public class ArrayAdoptionTests
{
    private static readonly PvType ImageType = PvType.Builder().AddArray("value", ScalarType.UShort).Build();

    private static (byte[] Buffer, int Size) Message(bool bigEndian, int count)
    {
        var v = new PvValue(ImageType);
        var a = PvArray.Allocate(ScalarType.UShort, count);
        a.GetWritableSpan<ushort>().Fill(0x0102);
        v["value"].SetArray(a);
        var bytes = Wire.Encode(bigEndian, w => ValueCodec.WriteFull(w, v));
        var pool = new FrameBufferPool();
        var buffer = pool.Rent(bytes.Length);
        bytes.CopyTo(buffer, 0);
        return (buffer, bytes.Length);
    }

    [Fact]
    public void Large_array_in_host_order_takes_over_the_message_buffer()
    {
        var (buffer, size) = Message(bigEndian: false, 100_000);
        var backing = new ReceiveBuffer();
        var pool = new FrameBufferPool();
        backing.Reset(buffer, 0, pool);
        var value = new PvValue(ImageType);
        var reader = new PvaReader(buffer.AsSpan(0, size), false, null, backing);
        ValueCodec.ReadFull(ref reader, value);
        Assert.True(reader.IsEmpty);
        Assert.True(backing.Adopted);
        var array = value["value"].GetArray();
        Assert.True(array.TryGetByteSegment(out var segment));
        Assert.Same(buffer, segment.Array);
        Assert.Equal(0x0102, array.AsSpan<ushort>()[99_999]);
        value.Dispose(); // the last owner gives the message buffer back to its pool
        Assert.Same(buffer, pool.Rent(size));
    }

    [Fact]
    public void Byte_swapped_array_is_copied_and_the_buffer_stays_with_the_connection()
    {
        var (buffer, size) = Message(bigEndian: true, 100_000);
        var backing = new ReceiveBuffer();
        backing.Reset(buffer, 0, new FrameBufferPool());
        var value = new PvValue(ImageType);
        var reader = new PvaReader(buffer.AsSpan(0, size), true, null, backing);
        ValueCodec.ReadFull(ref reader, value);
        Assert.False(backing.Adopted);
        Assert.Equal(0x0102, value["value"].GetArray().AsSpan<ushort>()[0]);
    }
}
