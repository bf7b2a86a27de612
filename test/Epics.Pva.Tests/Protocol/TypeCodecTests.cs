using Epics.Pva.Data;
using Epics.Pva.Protocol;
using static Epics.Pva.Tests.Wire;

namespace Epics.Pva.Tests.Protocol;

public class TypeCodecTests
{
    private static readonly PvType TimeStampT = PvType.Builder("timeStamp_t")
        .Add("secondsPastEpoch", ScalarType.Long).Add("nanoSeconds", ScalarType.Int).Add("userTag", ScalarType.Int).Build();

    private static readonly PvType Alarm = PvType.Builder("alarm_t")
        .Add("severity", ScalarType.Int).Add("status", ScalarType.Int).Add("message", ScalarType.String).Build();

    private static readonly PvType Time = PvType.Builder("time_t")
        .Add("secondsPastEpoch", ScalarType.Long).Add("nanoseconds", ScalarType.Int).Add("userTag", ScalarType.Int).Build();

    private const string NtScalarArrayDoubleHex =
        "80 1A \"epics:nt/NTScalarArray:1.0\" 03" +
        " 05 \"value\" 4B" +
        " 05 \"alarm\" 80 07 \"alarm_t\" 03 08 \"severity\" 22 06 \"status\" 22 07 \"message\" 60" +
        " 09 \"timeStamp\" 80 06 \"time_t\" 03 10 \"secondsPastEpoch\" 23 0B \"nanoseconds\" 22 07 \"userTag\" 22";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void NTScalarArray_description_matches_the_pvxs_vector(bool bigEndian)
    {
        var type = PvType.Builder("epics:nt/NTScalarArray:1.0")
            .AddArray("value", ScalarType.Double).Add("alarm", Alarm).Add("timeStamp", Time).Build();
        AssertEncodes(bigEndian, w => TypeCodec.Write(w, type), NtScalarArrayDoubleHex);
        AssertDecodes(bigEndian, NtScalarArrayDoubleHex, (ref PvaReader r) => Assert.Equal(type, TypeCodec.Read(ref r)));
        Assert.Equal(10, type.BitCount);
        Assert.Equal(5, type.OffsetOf("alarm.message"));
    }

    [Theory]
    [InlineData(true, "FD 00 01", "FE 00 01")]
    [InlineData(false, "FD 01 00", "FE 01 00")]
    public void Cache_definition_then_reference_decode_to_the_same_type(bool bigEndian, string define, string reference)
    {
        var registry = new TypeRegistry();
        var hex = define + " 80 0B \"timeStamp_t\" 03 10 \"secondsPastEpoch\" 23 0B \"nanoSeconds\" 22 07 \"userTag\" 22 " + reference;
        AssertDecodes(bigEndian, hex, (ref PvaReader r) =>
        {
            var first = TypeCodec.Read(ref r);
            var second = TypeCodec.Read(ref r);
            Assert.Equal(TimeStampT, first);
            Assert.Same(first, second);
        }, registry);
    }

    [Fact]
    public void Cache_reference_nested_inside_a_structure_is_resolved()
    {
        var registry = new TypeRegistry();
        var hex = "FD 02 00 80 07 \"alarm_t\" 03 08 \"severity\" 22 06 \"status\" 22 07 \"message\" 60 " +
                  "FD 03 00 80 00 02 01 \"a\" FE 02 00 01 \"b\" FE 02 00";
        AssertDecodes(false, hex, (ref PvaReader r) =>
        {
            TypeCodec.Read(ref r);
            var outer = TypeCodec.Read(ref r)!;
            Assert.Equal(Alarm, outer["a"]);
            Assert.Equal(Alarm, outer["b"]);
            Assert.Equal(9, outer.BitCount);
        }, registry);
    }

    [Fact]
    public void Unknown_cache_reference_is_a_protocol_error()
    {
        var ex = Assert.Throws<PvaProtocolException>(() => new PvaReader(Hex("FE 09 00"), false, new TypeRegistry()).ReadTypeForTest());
        Assert.Contains("unknown id 9", ex.Message);
    }

    [Fact]
    public void Cache_code_on_a_connection_without_cache_is_a_protocol_error() =>
        Assert.Throws<PvaProtocolException>(() => new PvaReader(Hex("FE 01 00"), false).ReadTypeForTest());

    [Theory]
    [InlineData("40")]
    [InlineData("41")]
    [InlineData("48")]
    [InlineData("61")]
    [InlineData("8B")]
    [InlineData("A0")]
    [InlineData("88 22")]
    [InlineData("89 80 00 00")]
    public void Invalid_type_codes_are_rejected(string hex) =>
        Assert.Throws<PvaProtocolException>(() => new PvaReader(Hex(hex), false).ReadTypeForTest());

    [Fact]
    public void Nesting_deeper_than_the_limit_is_rejected_without_stack_overflow()
    {
        var hex = string.Concat(Enumerable.Repeat("80 00 01 01 \"a\" ", 1000)) + "22";
        var ex = Assert.Throws<PvaProtocolException>(() => new PvaReader(Hex(hex), false).ReadTypeForTest());
        Assert.Contains("deeper", ex.Message);
    }

    [Fact]
    public void Huge_field_count_is_rejected_before_allocating()
    {
        var ex = Assert.Throws<PvaProtocolException>(() => new PvaReader(Hex("80 00 FE 7F FF FF FF 01 \"a\" 22"), true).ReadTypeForTest());
        Assert.Contains("exceeds", ex.Message);
    }

    [Fact]
    public void Bounded_and_fixed_types_decode_and_are_sent_unbounded()
    {
        AssertDecodes(false, "83 10 | 32 04 | 3A 03", (ref PvaReader r) =>
        {
            var s = TypeCodec.Read(ref r)!;
            Assert.Equal(ScalarType.String, s.ScalarType);
            Assert.Equal(16, s.Bound);
            var bounded = TypeCodec.Read(ref r)!;
            Assert.Equal(TypeKind.ScalarArray, bounded.Kind);
            Assert.False(bounded.IsFixedSize);
            var fixedArray = TypeCodec.Read(ref r)!;
            Assert.True(fixedArray.IsFixedSize);
            Assert.Equal(3, fixedArray.Bound);
            AssertEncodes(false, w => TypeCodec.Write(w, s), "60");
            AssertEncodes(false, w => TypeCodec.Write(w, bounded), "2A");
        });
    }

    [Fact]
    public void Empty_structure_and_null_type()
    {
        AssertEncodes(false, w => TypeCodec.Write(w, PvType.EmptyStructure), "80 00 00");
        AssertEncodes(false, w => TypeCodec.Write(w, null), "FF");
        AssertDecodes(false, "FF", (ref PvaReader r) => Assert.Null(TypeCodec.Read(ref r)));
    }

    [Fact]
    public void Default_ids_are_sent_empty_and_compare_equal()
    {
        var a = PvType.Structure("structure", new PvMember("x", PvType.Int));
        var b = PvType.Structure(string.Empty, new PvMember("x", PvType.Int));
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.Equal("structure", a.DisplayId);
        AssertEncodes(false, w => TypeCodec.Write(w, a), "80 00 01 01 \"x\" 22");
    }
}

internal static class TypeReaderExtensions
{
    public static PvType? ReadTypeForTest(this PvaReader reader) => TypeCodec.Read(ref reader);
}
