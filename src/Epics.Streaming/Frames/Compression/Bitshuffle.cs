using System.Buffers.Binary;

namespace Epics.Streaming.Frames.Compression;

/// <summary>
/// The bitshuffle transform: a block of n elements (n a multiple of 8) of s bytes each becomes 8·s bit-rows of n bits,
/// row 8·j + b holding bit b of byte j of every element (element i at bit i mod 8 of byte i / 8). Grouping equal bit
/// positions together is what lets LZ4 compress detector images well.
/// </summary>
internal static class Bitshuffle
{
    /// <summary>Elements per block when the writer did not choose: 8 KiB of data, a multiple of 8, at least 128.</summary>
    public static int DefaultBlockElements(int elementSize) => Math.Max(128, 8192 / elementSize / 8 * 8);

    /// <summary>Undoes <see cref="Shuffle"/> for <paramref name="elements"/> elements (a multiple of 8).</summary>
    public static void Unshuffle(ReadOnlySpan<byte> shuffled, Span<byte> output, int elements, int elementSize) =>
        Transpose(shuffled, output, elements, elementSize, toRows: false);

    /// <summary>Bit-transposes <paramref name="elements"/> elements (a multiple of 8) into bit-rows.</summary>
    public static void Shuffle(ReadOnlySpan<byte> input, Span<byte> shuffled, int elements, int elementSize) =>
        Transpose(input, shuffled, elements, elementSize, toRows: true);

    private static void Transpose(ReadOnlySpan<byte> source, Span<byte> target, int elements, int elementSize, bool toRows)
    {
        if (elements % 8 != 0)
        {
            throw new ArgumentException("bitshuffle works on multiples of 8 elements", nameof(elements));
        }

        var bytes = elements * elementSize;
        if (source.Length < bytes || target.Length < bytes)
        {
            throw new ArgumentException("buffer shorter than the block");
        }

        var rowBytes = elements / 8;
        Span<byte> eight = stackalloc byte[8];
        for (var j = 0; j < elementSize; j++)
        {
            for (var k = 0; k < rowBytes; k++)
            {
                // Gather the 8x8 bit matrix for byte lane j of elements 8k..8k+7, transpose it, scatter it back.
                if (toRows)
                {
                    for (var m = 0; m < 8; m++)
                    {
                        eight[m] = source[(((8 * k) + m) * elementSize) + j];
                    }
                }
                else
                {
                    for (var b = 0; b < 8; b++)
                    {
                        eight[b] = source[(((8 * j) + b) * rowBytes) + k];
                    }
                }

                var x = TransposeBits(BinaryPrimitives.ReadUInt64LittleEndian(eight));
                BinaryPrimitives.WriteUInt64LittleEndian(eight, x);
                if (toRows)
                {
                    for (var b = 0; b < 8; b++)
                    {
                        target[(((8 * j) + b) * rowBytes) + k] = eight[b];
                    }
                }
                else
                {
                    for (var m = 0; m < 8; m++)
                    {
                        target[(((8 * k) + m) * elementSize) + j] = eight[m];
                    }
                }
            }
        }
    }

    /// <summary>Transposes an 8x8 bit matrix held as 8 little-endian bytes: bit b of byte m ↔ bit m of byte b.</summary>
    internal static ulong TransposeBits(ulong x)
    {
        var t = (x ^ (x >> 7)) & 0x00AA00AA00AA00AAUL;
        x ^= t ^ (t << 7);
        t = (x ^ (x >> 14)) & 0x0000CCCC0000CCCCUL;
        x ^= t ^ (t << 14);
        t = (x ^ (x >> 28)) & 0x00000000F0F0F0F0UL;
        x ^= t ^ (t << 28);
        return x;
    }
}
