using Epics.Streaming.Codecs;

namespace Epics.Streaming.Tests;

public class BitshuffleTests
{
    private static readonly int[] s_elementSizes = [1, 2, 3, 4, 8, 16];

    // The vector paths take 16 (128-bit) or 32 (256-bit) row bytes = 128 or 256 elements at a time; these counts sit on
    // and either side of those edges, leave 128-bit and scalar tails after 256-bit blocks, and cover the 8 KiB block.
    private static readonly int[] s_elementCounts = [8, 16, 24, 120, 128, 136, 248, 256, 264, 384, 392, 4096];

    public static TheoryData<int, int> Cases()
    {
        var data = new TheoryData<int, int>();
        var random = new Random(2024);
        foreach (var size in s_elementSizes)
        {
            foreach (var count in s_elementCounts)
            {
                data.Add(size, count);
            }

            // Plus a few arbitrary multiples of 8 up to 4096.
            for (var i = 0; i < 3; i++)
            {
                data.Add(size, 8 * random.Next(1, 513));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Shuffle_matches_the_bit_by_bit_definition(int elementSize, int elements)
    {
        var input = RandomBytes(elements * elementSize, (elementSize * 10007) + elements);
        var shuffled = new byte[input.Length];

        Bitshuffle.Shuffle(input, shuffled, elements, elementSize);

        Assert.Equal(ReferenceShuffle(input, elements, elementSize), shuffled);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Unshuffle_matches_the_bit_by_bit_definition(int elementSize, int elements)
    {
        var shuffled = RandomBytes(elements * elementSize, (elementSize * 10009) + elements);
        var output = new byte[shuffled.Length];

        Bitshuffle.Unshuffle(shuffled, output, elements, elementSize);

        Assert.Equal(ReferenceUnshuffle(shuffled, elements, elementSize), output);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Shuffle_then_unshuffle_round_trips(int elementSize, int elements)
    {
        var input = RandomBytes(elements * elementSize, (elementSize * 10037) + elements);
        var shuffled = new byte[input.Length];
        var back = new byte[input.Length];

        Bitshuffle.Shuffle(input, shuffled, elements, elementSize);
        Bitshuffle.Unshuffle(shuffled, back, elements, elementSize);

        Assert.Equal(input, back);
    }

    [Theory]
    [InlineData(1, 4096)]
    [InlineData(2, 392)]
    [InlineData(4, 264)]
    [InlineData(8, 136)]
    [InlineData(3, 24)]
    [InlineData(3, 264)]
    [InlineData(16, 392)]
    public void Unaligned_spans_are_handled_and_bytes_past_the_block_left_alone(int elementSize, int elements)
    {
        var bytes = elements * elementSize;
        var input = RandomBytes(bytes + 3, elementSize);
        var shuffled = new byte[bytes + 8];
        var back = new byte[bytes + 8];
        Array.Fill(shuffled, (byte)0xA5);
        Array.Fill(back, (byte)0x5A);

        Bitshuffle.Shuffle(input.AsSpan(3), shuffled.AsSpan(1), elements, elementSize);
        Bitshuffle.Unshuffle(shuffled.AsSpan(1, bytes), back.AsSpan(5), elements, elementSize);

        Assert.Equal(ReferenceShuffle(input[3..], elements, elementSize), shuffled[1..(bytes + 1)]);
        Assert.Equal(0xA5, shuffled[0]);
        Assert.All(shuffled[(bytes + 1)..], b => Assert.Equal(0xA5, b));
        Assert.Equal(input[3..], back[5..(bytes + 5)]);
        Assert.All(back[..5], b => Assert.Equal(0x5A, b));
        Assert.All(back[(bytes + 5)..], b => Assert.Equal(0x5A, b));
    }

    [Fact]
    public void Zero_elements_do_nothing()
    {
        Bitshuffle.Shuffle([], [], 0, 2);
        Bitshuffle.Unshuffle([], [], 0, 2);
    }

    [Fact]
    public void Counts_that_are_not_a_multiple_of_8_are_rejected()
    {
        var buffer = new byte[64];
        Assert.Throws<ArgumentException>(() => Bitshuffle.Shuffle(buffer, buffer.AsSpan().ToArray(), 12, 2));
        Assert.Throws<ArgumentException>(() => Bitshuffle.Unshuffle(buffer, new byte[64], 12, 2));
    }

    [Fact]
    public void Buffers_shorter_than_the_block_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => Bitshuffle.Unshuffle(new byte[255], new byte[256], 128, 2));
        Assert.Throws<ArgumentException>(() => Bitshuffle.Unshuffle(new byte[256], new byte[255], 128, 2));
        Assert.Throws<ArgumentException>(() => Bitshuffle.Shuffle(new byte[256], new byte[128], 128, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => Bitshuffle.Shuffle(new byte[256], new byte[256], 128, 0));
    }

    [Fact]
    public void TransposeBits_swaps_bit_b_of_byte_m_with_bit_m_of_byte_b()
    {
        var random = new Random(7);
        for (var trial = 0; trial < 1000; trial++)
        {
            var x = (ulong)random.NextInt64() ^ ((ulong)random.Next() << 63);
            var want = 0UL;
            for (var m = 0; m < 8; m++)
            {
                for (var b = 0; b < 8; b++)
                {
                    want |= ((x >> ((8 * m) + b)) & 1) << ((8 * b) + m);
                }
            }

            Assert.Equal(want, Bitshuffle.TransposeBits(x));
        }
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Row 8j+b holds bit b of byte j of every element, element i at bit i%8 of byte i/8.</summary>
    private static byte[] ReferenceShuffle(byte[] input, int elements, int elementSize)
    {
        var rowBytes = elements / 8;
        var shuffled = new byte[elements * elementSize];
        for (var i = 0; i < elements; i++)
        {
            for (var j = 0; j < elementSize; j++)
            {
                for (var b = 0; b < 8; b++)
                {
                    var bit = (input[(i * elementSize) + j] >> b) & 1;
                    shuffled[(((8 * j) + b) * rowBytes) + (i / 8)] |= (byte)(bit << (i % 8));
                }
            }
        }

        return shuffled;
    }

    private static byte[] ReferenceUnshuffle(byte[] shuffled, int elements, int elementSize)
    {
        var rowBytes = elements / 8;
        var output = new byte[elements * elementSize];
        for (var i = 0; i < elements; i++)
        {
            for (var j = 0; j < elementSize; j++)
            {
                for (var b = 0; b < 8; b++)
                {
                    var bit = (shuffled[(((8 * j) + b) * rowBytes) + (i / 8)] >> (i % 8)) & 1;
                    output[(i * elementSize) + j] |= (byte)(bit << b);
                }
            }
        }

        return output;
    }
}
