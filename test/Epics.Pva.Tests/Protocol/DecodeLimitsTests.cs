using Epics.Pva.Data;
using Epics.Pva.Protocol;

namespace Epics.Pva.Tests.Protocol;

/// <summary>
/// Hostile type descriptions and values: a few kilobytes that would expand to millions of fields must fail as one
/// protocol error while decoding, before anything of that size is allocated.
/// </summary>
public class DecodeLimitsTests
{
    // Cache key k (k >= 1) = a structure of `width` members; at level 1 they are int scalars, above that each is a
    // reference to key k-1. The last level expands to width^levels fields in a description of a few hundred bytes.
    internal static byte[] CachedTypeBomb(int width, int levels, bool bigEndian)
    {
        var bytes = new List<byte>();
        void U16(int v) => bytes.AddRange(bigEndian ? [(byte)(v >> 8), (byte)v] : [(byte)v, (byte)(v >> 8)]);
        for (var level = 1; level <= levels; level++)
        {
            bytes.Add(0xFD);
            U16(level);
            bytes.Add(0x80);
            bytes.Add(0); // no id
            bytes.Add((byte)width);
            for (var m = 0; m < width; m++)
            {
                bytes.Add(2);
                bytes.Add((byte)('a' + (m / 26)));
                bytes.Add((byte)('a' + (m % 26)));
                if (level == 1)
                {
                    bytes.Add(0x22);
                }
                else
                {
                    bytes.Add(0xFE);
                    U16(level - 1);
                }
            }
        }

        return [.. bytes];
    }

    private static PvaProtocolException DecodeTypes(byte[] bytes, bool bigEndian, TypeRegistry registry, out long allocated)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            var reader = new PvaReader(bytes, bigEndian, registry);
            while (!reader.IsEmpty)
            {
                TypeCodec.Read(ref reader);
            }
        }
        catch (PvaProtocolException e)
        {
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            return e;
        }

        throw new Xunit.Sdk.XunitException("the hostile description decoded without an error");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Cached_references_expanding_to_10_to_the_8_fields_are_refused(bool bigEndian)
    {
        var bytes = CachedTypeBomb(width: 10, levels: 8, bigEndian);
        Assert.True(bytes.Length < 1000);
        var e = DecodeTypes(bytes, bigEndian, new TypeRegistry(), out var allocated);
        Assert.Contains("expands to more than 65536 fields", e.Message, StringComparison.Ordinal);
        Assert.True(allocated < 1024 * 1024, $"allocated {allocated} bytes");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_description_of_2_to_the_32_fields_is_refused_without_wrapping(bool bigEndian)
    {
        var e = DecodeTypes(CachedTypeBomb(width: 16, levels: 8, bigEndian), bigEndian, new TypeRegistry(), out _);
        Assert.Contains("fields", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Built_types_count_fields_without_overflow()
    {
        // Unions occupy one bit offset whatever they hold, so their expanded size can grow past int without a value
        // ever being that large: it saturates. A structure that would need more than int bit offsets is refused.
        var u = PvType.Union(string.Empty, new PvMember("v", PvType.Int));
        for (var i = 0; i < 40; i++)
        {
            u = PvType.Union(string.Empty, new PvMember("a", u), new PvMember("b", u));
        }

        Assert.Equal(int.MaxValue, u.ExpandedSize);
        Assert.Equal(1, u.BitCount);

        var big = PvType.Builder().Add("v", ScalarType.Int).Build();
        var e = Assert.Throws<ArgumentException>(() =>
        {
            for (var i = 0; i < 40; i++)
            {
                big = PvType.Structure(string.Empty, new PvMember("a", big), new PvMember("b", big));
            }
        });
        Assert.Contains("more than 2147483647 fields", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_type_limit_is_a_setting()
    {
        var bytes = CachedTypeBomb(width: 10, levels: 3, bigEndian: false); // 1,111 fields at the top
        var tight = new TypeRegistry(PvaLimits.Default with { MaxTypeFields = 500 });
        Assert.Contains("more than 500 fields", DecodeTypes(bytes, false, tight, out _).Message, StringComparison.Ordinal);

        var reader = new PvaReader(bytes, false, new TypeRegistry());
        PvType? last = null;
        while (!reader.IsEmpty)
        {
            last = TypeCodec.Read(ref reader);
        }

        Assert.Equal(1 + 10 + 100 + 1000, last!.ExpandedSize);
    }

    [Fact]
    public void The_connection_type_cache_is_bounded()
    {
        // Many distinct keys each defining an allowed type: the cache's total is what is bounded.
        var limits = PvaLimits.Default with { MaxCachedTypeFields = 5_000 };
        var registry = new TypeRegistry(limits);
        var one = CachedTypeBomb(width: 10, levels: 3, bigEndian: false); // keys 1..3, 1,111 fields at key 3
        var reader = new PvaReader(one, false, registry);
        while (!reader.IsEmpty)
        {
            TypeCodec.Read(ref reader);
        }

        var more = new List<byte>();
        for (var key = 10; key < 20; key++)
        {
            more.AddRange([0xFD, (byte)key, 0, 0x80, 0, 1, 1, (byte)'x', 0xFE, 3, 0]);
        }

        var e = DecodeTypes([.. more], false, registry, out _);
        Assert.Contains("type cache would hold more than 5000 fields", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_structures_in_a_structure_array_cannot_expand_a_small_message()
    {
        // Each element costs one byte on the wire (its non-null flag) but 60,001 fields in memory.
        var members = Enumerable.Range(0, 60_000).Select(i => new PvMember("m" + i, PvType.EmptyStructure)).ToArray();
        var elementType = PvType.Structure("big", members);
        var type = PvType.Builder().Add("list", PvType.StructureArray(elementType)).Build();
        byte[] payload = [0xFE, 0xE8, 0x03, 0x00, 0x00, .. Enumerable.Repeat((byte)1, 1000)]; // Size 1000, then 1000 elements

        var value = new PvValue(type);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<PvaProtocolException>(() =>
        {
            var reader = new PvaReader(payload, false, new TypeRegistry());
            ValueCodec.ReadFull(ref reader, value);
        });
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("more than 1048576 fields", e.Message, StringComparison.Ordinal);
        Assert.True(allocated < 64L * 1024 * 1024, $"allocated {allocated} bytes");
    }

    [Fact]
    public void Legitimate_structure_arrays_still_decode()
    {
        var elementType = PvType.Builder().Add("a", ScalarType.Int).Add("b", ScalarType.Double).Build();
        var type = PvType.Builder().Add("list", PvType.StructureArray(elementType)).Build();
        var source = new PvValue(type);
        var elements = new PvValue?[10_000];
        for (var i = 0; i < elements.Length; i++)
        {
            elements[i] = new PvValue(elementType);
            elements[i]!["a"].Set(i);
        }

        source["list"].SetElements(elements);
        using var builder = new MessageBuilder();
        ValueCodec.WriteFull(new PvaWriter(builder, false), source);
        var bytes = builder.ToArray();
        var copy = new PvValue(type);
        var reader = new PvaReader(bytes, false, new TypeRegistry());
        ValueCodec.ReadFull(ref reader, copy);
        Assert.Equal(9_999, copy["list"].Elements[9_999]!["a"].GetInt32());
    }
}
