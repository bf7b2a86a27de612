using Epics.Pva.Data;
using Epics.Pva.Protocol;
using static Epics.Pva.Tests.Wire;

namespace Epics.Pva.Tests.Protocol;

public class PrimitiveCodecTests
{
    [Theory]
    [InlineData(false, 0, "00")]
    [InlineData(true, 0, "00")]
    [InlineData(false, 253, "FD")]
    [InlineData(false, 254, "FE FE 00 00 00")]
    [InlineData(true, 254, "FE 00 00 00 FE")]
    [InlineData(false, 256, "FE 00 01 00 00")]
    [InlineData(true, 256, "FE 00 00 01 00")]
    [InlineData(true, int.MaxValue, "FE 7F FF FF FF")]
    public void Size_encodes_in_both_byte_orders(bool bigEndian, int size, string hex)
    {
        AssertEncodes(bigEndian, w => w.WriteSize(size), hex);
        AssertDecodes(bigEndian, hex, (ref PvaReader r) => Assert.Equal(size, r.ReadSize()));
    }

    [Fact]
    public void Size_255_reads_as_null()
    {
        AssertDecodes(false, "FF", (ref PvaReader r) => Assert.Equal(-1, r.ReadSize()));
        AssertDecodes(false, "FF", (ref PvaReader r) => Assert.Equal(string.Empty, r.ReadString()));
    }

    [Fact]
    public void Negative_32bit_size_is_a_protocol_error()
    {
        var bytes = Hex("FE FF FF FF FF");
        Assert.Throws<PvaProtocolException>(() =>
        {
            var r = new PvaReader(bytes, bigEndian: true);
            r.ReadSize();
        });
    }

    [Theory]
    [InlineData(-1, "FF")]
    [InlineData(0, "00")]
    [InlineData(10, "0A")]
    public void Selector_encodes(int selector, string hex)
    {
        AssertEncodes(false, w => w.WriteSelector(selector), hex);
        AssertDecodes(false, hex, (ref PvaReader r) => Assert.Equal(selector, r.ReadSelector()));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void String_is_size_then_utf8(bool bigEndian)
    {
        AssertEncodes(bigEndian, w => w.WriteString("hello world"), "0B \"hello world\"");
        AssertEncodes(bigEndian, w => w.WriteString(string.Empty), "00");
        AssertEncodes(bigEndian, w => w.WriteString("µ"), "02 C2 B5");
        AssertDecodes(bigEndian, "02 C2 B5", (ref PvaReader r) => Assert.Equal("µ", r.ReadString()));
        var longText = new string('x', 300);
        var le = Encode(bigEndian, w => w.WriteString(longText));
        Assert.Equal(5 + 300, le.Length);
        AssertDecodes(bigEndian, ToHex(le), (ref PvaReader r) => Assert.Equal(longText, r.ReadString()));
    }

    [Theory]
    [InlineData(new int[0], "00")]
    [InlineData(new[] { 0 }, "01 01")]
    [InlineData(new[] { 1 }, "01 02")]
    [InlineData(new[] { 7 }, "01 80")]
    [InlineData(new[] { 8 }, "02 00 01")]
    [InlineData(new[] { 0, 1, 2, 4 }, "01 17")]
    [InlineData(new[] { 0, 1, 2, 4, 8 }, "02 17 01")]
    [InlineData(new[] { 55 }, "07 00 00 00 00 00 00 80")]
    public void BitSet_short_forms_read_the_same_in_both_orders(int[] bits, string hex)
    {
        foreach (var be in new[] { false, true })
        {
            AssertEncodes(be, w => w.WriteBitSet(new BitSet(bits)), hex);
            AssertDecodes(be, hex, (ref PvaReader r) => Assert.Equal(new BitSet(bits), r.ReadBitSet()));
        }
    }

    [Theory]
    [InlineData(false, 56, "08 00 00 00 00 00 00 00 01")]
    [InlineData(true, 56, "08 01 00 00 00 00 00 00 00")]
    [InlineData(false, 64, "09 00 00 00 00 00 00 00 00 01")]
    [InlineData(true, 64, "09 00 00 00 00 00 00 00 00 01")]
    public void BitSet_whole_words_follow_the_message_order(bool bigEndian, int bit, string hex)
    {
        AssertEncodes(bigEndian, w => w.WriteBitSet(new BitSet(bit)), hex);
        AssertDecodes(bigEndian, hex, (ref PvaReader r) => Assert.Equal(new BitSet(bit), r.ReadBitSet()));
    }

    [Fact]
    public void BitSet_with_a_word_and_a_tail_round_trips()
    {
        var bits = new BitSet(3, 63, 64, 70, 129);
        foreach (var be in new[] { false, true })
        {
            var bytes = Encode(be, w => w.WriteBitSet(bits));
            Assert.Equal(1 + 17, bytes.Length);
            AssertDecodes(be, ToHex(bytes), (ref PvaReader r) => Assert.Equal(bits, r.ReadBitSet()));
        }
    }

    [Fact]
    public void Status_forms()
    {
        AssertEncodes(false, w => w.WriteStatus(PvaStatus.Ok), "FF");
        AssertEncodes(true, w => w.WriteStatus(new PvaStatus(StatusType.Warning, "Low memory")), "01 0A \"Low memory\" 00");
        AssertDecodes(false, "02 23 \"process error : Error (65535,65535)\" 00", (ref PvaReader r) =>
        {
            var s = r.ReadStatus();
            Assert.Equal(StatusType.Error, s.Type);
            Assert.Equal("process error : Error (65535,65535)", s.Message);
            Assert.False(s.IsSuccess);
        });
        AssertDecodes(false, "00 02 \"ok\" 00", (ref PvaReader r) => Assert.Equal(new PvaStatus(StatusType.Ok, "ok"), r.ReadStatus()));
        Assert.Throws<PvaProtocolException>(() =>
        {
            var r = new PvaReader(Hex("07 00 00"), false);
            r.ReadStatus();
        });
    }

    [Theory]
    [InlineData(false, "01 00 00 00 02 00 00 00 00 00 00 00")]
    [InlineData(true, "00 00 00 01 00 00 00 00 00 00 00 02")]
    public void Fixed_width_numbers_follow_the_byte_order(bool bigEndian, string hex)
    {
        AssertEncodes(bigEndian, w =>
        {
            w.WriteInt32(1);
            w.WriteInt64(2);
        }, hex);
        AssertDecodes(bigEndian, hex, (ref PvaReader r) =>
        {
            Assert.Equal(1, r.ReadInt32());
            Assert.Equal(2L, r.ReadInt64());
        });
    }

    [Fact]
    public void Address_is_network_order_and_port_is_message_order()
    {
        var ip = System.Net.IPAddress.Parse("127.0.0.1");
        AssertEncodes(false, w => w.WriteAddressAndPort(ip, 5075), "00 00 00 00 00 00 00 00 00 00 FF FF 7F 00 00 01 D3 13");
        AssertEncodes(true, w => w.WriteAddressAndPort(ip, 5075), "00 00 00 00 00 00 00 00 00 00 FF FF 7F 00 00 01 13 D3");
        AssertDecodes(true, "00 00 00 00 00 00 00 00 00 00 FF FF 7F 00 00 01 13 D3", (ref PvaReader r) =>
            Assert.Equal(new System.Net.IPEndPoint(ip, 5075), r.ReadAddressAndPort()));
    }

    [Fact]
    public void Truncated_input_throws_one_protocol_exception()
    {
        Assert.Throws<PvaProtocolException>(() => new PvaReader(Hex(""), false).ReadSize());
        Assert.Throws<PvaProtocolException>(() => new PvaReader(Hex("FE 00 00"), false).ReadSize());
        Assert.Throws<PvaProtocolException>(() => new PvaReader(Hex("05 \"abc\""), false).ReadString());
        Assert.Throws<PvaProtocolException>(() => new PvaReader(Hex("08 00 00"), false).ReadBitSet());
        Assert.Throws<PvaProtocolException>(() => new PvaReader(Hex("00 00 01"), false).ReadInt64());
    }
}
