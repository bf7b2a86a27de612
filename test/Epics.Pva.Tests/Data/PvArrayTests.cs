using System.Runtime.InteropServices;
using Epics.Pva.Data;

namespace Epics.Pva.Tests.Data;

public class PvArrayTests
{
    [Fact]
    public void Typed_spans_need_the_exact_element_type()
    {
        using var array = PvArray.Create<ushort>([1, 2, 0xFFFF]);
        Assert.Equal(0xFFFF, array.AsSpan<ushort>()[2]);
        var e = Assert.Throws<InvalidCastException>(() => array.AsSpan<short>().Length);
        Assert.Contains("ushort[]", e.Message);
        Assert.Contains("UInt16", e.Message);
        Assert.Throws<InvalidCastException>(() => array.GetWritableSpan<short>().Length);
        Assert.Throws<InvalidCastException>(() => array.AsSpan<byte>().Length);

        using var signed = PvArray.Create<sbyte>([-1]);
        Assert.Throws<InvalidCastException>(() => signed.AsSpan<byte>().Length);
        Assert.Equal(-1, signed.AsSpan<sbyte>()[0]);

        using var flags = PvArray.Create([true, false]);
        Assert.True(flags.AsSpan<bool>()[0]);
    }

    [Fact]
    public void Reinterpreting_goes_through_the_bytes_explicitly()
    {
        using var array = PvArray.Create<short>([-1, 2]);
        Assert.Equal(0xFFFF, MemoryMarshal.Cast<byte, ushort>(array.Bytes)[0]);
        MemoryMarshal.Cast<byte, ushort>(array.WritableBytes)[1] = 0x8000;
        Assert.Equal(short.MinValue, array.AsSpan<short>()[1]);
    }

    [Fact]
    public void Writable_accessors_refuse_a_shared_array()
    {
        var array = PvArray.Create<int>([1, 2, 3]);
        array.GetWritableSpan<int>()[0] = 10;
        var other = array.Retain();
        var e = Assert.Throws<InvalidOperationException>(() => array.GetWritableSpan<int>().Length);
        Assert.Contains("GetExclusive", e.Message);
        Assert.Throws<InvalidOperationException>(() => array.WritableBytes.Length);
        Assert.Equal(10, array.AsSpan<int>()[0]); // reading stays allowed

        other.Dispose();
        array.GetWritableSpan<int>()[0] = 11;
        array.Dispose();
        Assert.Throws<InvalidOperationException>(() => array.WritableBytes.Length); // released
    }

    [Fact]
    public void Writable_strings_refuse_a_shared_array()
    {
        using var array = PvArray.Create<string>(["a", "b"]);
        array.WritableStrings[0] = "c";
        using var other = array.Retain();
        Assert.Throws<InvalidOperationException>(() => array.WritableStrings.Length);
        Assert.Equal("c", array.Strings[0]);
    }

    [Fact]
    public void GetExclusive_returns_the_same_array_when_held_alone()
    {
        var array = PvArray.Allocate(ScalarType.UShort, 4096);
        var exclusive = array.GetExclusive();
        Assert.Same(array, exclusive);
        Assert.True(exclusive.IsExclusive);
        exclusive.Dispose();
    }

    [Fact]
    public void A_write_to_a_shared_frame_goes_to_a_copy_and_the_other_holder_keeps_the_old_data()
    {
        var pool = new FrameBufferPool();
        var mine = PvArray.Allocate(ScalarType.UShort, 4096, pool);
        mine.GetWritableSpan<ushort>().Fill(7);
        var queued = mine.Retain(); // e.g. a server monitor queue or a send in flight

        var copy = mine.GetExclusive();
        Assert.NotSame(mine, copy);
        Assert.True(copy.IsPooled);
        Assert.True(copy.IsExclusive);
        Assert.True(queued.IsExclusive); // the caller's reference moved to the copy
        Assert.Equal(7, copy.AsSpan<ushort>()[4095]);

        copy.GetWritableSpan<ushort>().Fill(9);
        Assert.All(queued.AsSpan<ushort>().ToArray(), v => Assert.Equal(7, v));
        Assert.All(copy.AsSpan<ushort>().ToArray(), v => Assert.Equal(9, v));
        copy.Dispose();
        queued.Dispose();
    }

    [Fact]
    public void GetExclusive_copies_shared_strings()
    {
        var mine = PvArray.Create<string>(["x", "y"]);
        using var other = mine.Retain();
        using var copy = mine.GetExclusive();
        copy.WritableStrings[1] = "z";
        Assert.Equal(["x", "y"], other.Strings.ToArray());
        Assert.Equal(["x", "z"], copy.Strings.ToArray());
    }

    [Fact]
    public void A_value_clone_shares_its_frame_so_neither_side_can_write_it()
    {
        using var value = new PvValue(PvType.Builder().AddArray("value", ScalarType.UByte).Build());
        value["value"].SetArray(PvArray.Allocate(ScalarType.UByte, 8192));
        Assert.True(value["value"].GetArray().IsExclusive);
        using var clone = value.Clone();
        Assert.Throws<InvalidOperationException>(() => value["value"].GetArray().WritableBytes.Length);
        Assert.Throws<InvalidOperationException>(() => clone["value"].GetArray().WritableBytes.Length);
    }
}
