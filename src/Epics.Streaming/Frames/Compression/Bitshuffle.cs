using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Epics.Streaming.Frames.Compression;

/// <summary>
/// The bitshuffle transform: a block of n elements (n a multiple of 8) of s bytes each becomes 8·s bit-rows of n bits,
/// row 8·j + b holding bit b of byte j of every element (element i at bit i mod 8 of byte i / 8). Grouping equal bit
/// positions together is what lets LZ4 compress detector images well.
/// </summary>
/// <remarks>
/// For element sizes 1, 2, 4, 8 and 16 the work is done in 128- or 256-bit vectors (SSE2 / AVX2, or AdvSimd on Arm64),
/// 16 or 32 bytes of every bit-row at a time. Two steps, each its own inverse's mirror image:
/// <list type="bullet">
/// <item>an 8x8 bit transpose across eight vectors (rows 8j..8j+7 ↔ byte j of elements 8k+m, m = vector), done by
/// three rounds of masked shift-and-swap, so every byte position k of the vectors is transposed at once;</item>
/// <item>a reordering of the 8·s vectors' bytes into element order, done by rounds of interleaving unpacks: one round
/// rotates the bits of a byte's address (vector index, byte index) left by one, so moving the 3 + log2 s vector
/// bits below the 4 byte bits takes 3 + log2 s rounds, and the reverse takes 4.</item>
/// </list>
/// AVX2 unpacks work within 128-bit halves, so each half runs the 128-bit algorithm on its own 16 row bytes: the
/// elements of the low halves come first, those of the high halves 128 elements later.
/// Other element sizes transpose each byte lane j the same way (as if the elements were single bytes) and scatter the
/// bytes to every s-th position. Hardware without these vectors and the last few row bytes take a scalar 8x8 bit-matrix
/// transpose per byte.
/// </remarks>
internal static class Bitshuffle
{
    /// <summary>Largest element size the vector paths handle (2 x 8·s vectors of scratch: 8 KiB of stack at most).</summary>
    private const int MaxVectorElementSize = 16;

    /// <summary>Elements per block when the writer did not choose: 8 KiB of data, a multiple of 8, at least 128.</summary>
    public static int DefaultBlockElements(int elementSize) => Math.Max(128, 8192 / elementSize / 8 * 8);

    /// <summary>Undoes <see cref="Shuffle"/> for <paramref name="elements"/> elements (a multiple of 8).</summary>
    public static void Unshuffle(ReadOnlySpan<byte> shuffled, Span<byte> output, int elements, int elementSize)
    {
        Validate(shuffled.Length, output.Length, elements, elementSize);
        var rowBytes = elements / 8;
        var done = 0;
        var log2 = VectorLog2(elementSize);
        if (log2 >= 0)
        {
            if (Avx2.IsSupported)
            {
                done = UnshuffleAvx2(shuffled, output, rowBytes, elementSize, log2);
            }

            if (Sse2.IsSupported || AdvSimd.Arm64.IsSupported)
            {
                done = Unshuffle128(shuffled, output, rowBytes, elementSize, log2, done);
            }
        }
        else if (Sse2.IsSupported || AdvSimd.Arm64.IsSupported)
        {
            done = UnshuffleStrided128(shuffled, output, rowBytes, elementSize);
        }

        UnshuffleScalar(shuffled, output, rowBytes, elementSize, done);
    }

    /// <summary>Bit-transposes <paramref name="elements"/> elements (a multiple of 8) into bit-rows.</summary>
    public static void Shuffle(ReadOnlySpan<byte> input, Span<byte> shuffled, int elements, int elementSize)
    {
        Validate(input.Length, shuffled.Length, elements, elementSize);
        var rowBytes = elements / 8;
        var done = 0;
        if (VectorLog2(elementSize) >= 0)
        {
            if (Avx2.IsSupported)
            {
                done = ShuffleAvx2(input, shuffled, rowBytes, elementSize);
            }

            if (Sse2.IsSupported || AdvSimd.Arm64.IsSupported)
            {
                done = Shuffle128(input, shuffled, rowBytes, elementSize, done);
            }
        }
        else if (Sse2.IsSupported || AdvSimd.Arm64.IsSupported)
        {
            done = ShuffleStrided128(input, shuffled, rowBytes, elementSize);
        }

        ShuffleScalar(input, shuffled, rowBytes, elementSize, done);
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

    private static void Validate(int sourceLength, int targetLength, int elements, int elementSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(elementSize);
        ArgumentOutOfRangeException.ThrowIfNegative(elements);
        if (elements % 8 != 0)
        {
            throw new ArgumentException("bitshuffle works on multiples of 8 elements", nameof(elements));
        }

        var bytes = (long)elements * elementSize;
        if (sourceLength < bytes || targetLength < bytes)
        {
            throw new ArgumentException($"buffer shorter than the block of {bytes} bytes");
        }
    }

    /// <summary>log2 of the element size when the vector paths handle it, else -1.</summary>
    private static int VectorLog2(int elementSize) =>
        elementSize <= MaxVectorElementSize && BitOperations.IsPow2(elementSize) ? BitOperations.Log2((uint)elementSize) : -1;

    private static int UnshuffleAvx2(ReadOnlySpan<byte> source, Span<byte> target, int rowBytes, int s, int log2)
    {
        Span<Vector256<byte>> x = stackalloc Vector256<byte>[8 * s];
        Span<Vector256<byte>> y = stackalloc Vector256<byte>[8 * s];
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(target);
        var rows = (nuint)rowBytes;
        var k = 0;
        for (; k + 32 <= rowBytes; k += 32)
        {
            for (var j = 0; j < s; j++)
            {
                ref var row = ref Unsafe.Add(ref src, (8 * j * rowBytes) + k);
                var a0 = Vector256.LoadUnsafe(ref row);
                var a1 = Vector256.LoadUnsafe(ref row, rows);
                var a2 = Vector256.LoadUnsafe(ref row, 2 * rows);
                var a3 = Vector256.LoadUnsafe(ref row, 3 * rows);
                var a4 = Vector256.LoadUnsafe(ref row, 4 * rows);
                var a5 = Vector256.LoadUnsafe(ref row, 5 * rows);
                var a6 = Vector256.LoadUnsafe(ref row, 6 * rows);
                var a7 = Vector256.LoadUnsafe(ref row, 7 * rows);
                TransposeBits8(ref a0, ref a1, ref a2, ref a3, ref a4, ref a5, ref a6, ref a7);

                // Vector s·m + j holds byte j of elements 8k'+m: the address order the unpack rounds start from.
                x[j] = a0;
                x[s + j] = a1;
                x[(2 * s) + j] = a2;
                x[(3 * s) + j] = a3;
                x[(4 * s) + j] = a4;
                x[(5 * s) + j] = a5;
                x[(6 * s) + j] = a6;
                x[(7 * s) + j] = a7;
            }

            for (var round = 0; round < 3 + log2; round++)
            {
                Interleave(x, y);
                var swap = x;
                x = y;
                y = swap;
            }

            // Low halves hold elements 8k..8k+127, high halves the next 128.
            var at = (nuint)(8 * k * s);
            var high = (nuint)(128 * s);
            for (var v = 0; v < x.Length; v++)
            {
                x[v].GetLower().StoreUnsafe(ref dst, at + (nuint)(16 * v));
                x[v].GetUpper().StoreUnsafe(ref dst, at + high + (nuint)(16 * v));
            }
        }

        return k;
    }

    private static int ShuffleAvx2(ReadOnlySpan<byte> source, Span<byte> target, int rowBytes, int s)
    {
        Span<Vector256<byte>> x = stackalloc Vector256<byte>[8 * s];
        Span<Vector256<byte>> y = stackalloc Vector256<byte>[8 * s];
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(target);
        var rows = (nuint)rowBytes;
        var k = 0;
        for (; k + 32 <= rowBytes; k += 32)
        {
            var at = (nuint)(8 * k * s);
            var high = (nuint)(128 * s);
            for (var v = 0; v < x.Length; v++)
            {
                x[v] = Vector256.Create(
                    Vector128.LoadUnsafe(ref src, at + (nuint)(16 * v)),
                    Vector128.LoadUnsafe(ref src, at + high + (nuint)(16 * v)));
            }

            for (var round = 0; round < 4; round++)
            {
                Interleave(x, y);
                var swap = x;
                x = y;
                y = swap;
            }

            for (var j = 0; j < s; j++)
            {
                var a0 = x[j];
                var a1 = x[s + j];
                var a2 = x[(2 * s) + j];
                var a3 = x[(3 * s) + j];
                var a4 = x[(4 * s) + j];
                var a5 = x[(5 * s) + j];
                var a6 = x[(6 * s) + j];
                var a7 = x[(7 * s) + j];
                TransposeBits8(ref a0, ref a1, ref a2, ref a3, ref a4, ref a5, ref a6, ref a7);
                ref var row = ref Unsafe.Add(ref dst, (8 * j * rowBytes) + k);
                a0.StoreUnsafe(ref row);
                a1.StoreUnsafe(ref row, rows);
                a2.StoreUnsafe(ref row, 2 * rows);
                a3.StoreUnsafe(ref row, 3 * rows);
                a4.StoreUnsafe(ref row, 4 * rows);
                a5.StoreUnsafe(ref row, 5 * rows);
                a6.StoreUnsafe(ref row, 6 * rows);
                a7.StoreUnsafe(ref row, 7 * rows);
            }
        }

        return k;
    }

    private static int Unshuffle128(ReadOnlySpan<byte> source, Span<byte> target, int rowBytes, int s, int log2, int k)
    {
        Span<Vector128<byte>> x = stackalloc Vector128<byte>[8 * s];
        Span<Vector128<byte>> y = stackalloc Vector128<byte>[8 * s];
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(target);
        var rows = (nuint)rowBytes;
        for (; k + 16 <= rowBytes; k += 16)
        {
            for (var j = 0; j < s; j++)
            {
                ref var row = ref Unsafe.Add(ref src, (8 * j * rowBytes) + k);
                var a0 = Vector128.LoadUnsafe(ref row);
                var a1 = Vector128.LoadUnsafe(ref row, rows);
                var a2 = Vector128.LoadUnsafe(ref row, 2 * rows);
                var a3 = Vector128.LoadUnsafe(ref row, 3 * rows);
                var a4 = Vector128.LoadUnsafe(ref row, 4 * rows);
                var a5 = Vector128.LoadUnsafe(ref row, 5 * rows);
                var a6 = Vector128.LoadUnsafe(ref row, 6 * rows);
                var a7 = Vector128.LoadUnsafe(ref row, 7 * rows);
                TransposeBits8(ref a0, ref a1, ref a2, ref a3, ref a4, ref a5, ref a6, ref a7);
                x[j] = a0;
                x[s + j] = a1;
                x[(2 * s) + j] = a2;
                x[(3 * s) + j] = a3;
                x[(4 * s) + j] = a4;
                x[(5 * s) + j] = a5;
                x[(6 * s) + j] = a6;
                x[(7 * s) + j] = a7;
            }

            for (var round = 0; round < 3 + log2; round++)
            {
                Interleave(x, y);
                var swap = x;
                x = y;
                y = swap;
            }

            var at = (nuint)(8 * k * s);
            for (var v = 0; v < x.Length; v++)
            {
                x[v].StoreUnsafe(ref dst, at + (nuint)(16 * v));
            }
        }

        return k;
    }

    private static int Shuffle128(ReadOnlySpan<byte> source, Span<byte> target, int rowBytes, int s, int k)
    {
        Span<Vector128<byte>> x = stackalloc Vector128<byte>[8 * s];
        Span<Vector128<byte>> y = stackalloc Vector128<byte>[8 * s];
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(target);
        var rows = (nuint)rowBytes;
        for (; k + 16 <= rowBytes; k += 16)
        {
            var at = (nuint)(8 * k * s);
            for (var v = 0; v < x.Length; v++)
            {
                x[v] = Vector128.LoadUnsafe(ref src, at + (nuint)(16 * v));
            }

            for (var round = 0; round < 4; round++)
            {
                Interleave(x, y);
                var swap = x;
                x = y;
                y = swap;
            }

            for (var j = 0; j < s; j++)
            {
                var a0 = x[j];
                var a1 = x[s + j];
                var a2 = x[(2 * s) + j];
                var a3 = x[(3 * s) + j];
                var a4 = x[(4 * s) + j];
                var a5 = x[(5 * s) + j];
                var a6 = x[(6 * s) + j];
                var a7 = x[(7 * s) + j];
                TransposeBits8(ref a0, ref a1, ref a2, ref a3, ref a4, ref a5, ref a6, ref a7);
                ref var row = ref Unsafe.Add(ref dst, (8 * j * rowBytes) + k);
                a0.StoreUnsafe(ref row);
                a1.StoreUnsafe(ref row, rows);
                a2.StoreUnsafe(ref row, 2 * rows);
                a3.StoreUnsafe(ref row, 3 * rows);
                a4.StoreUnsafe(ref row, 4 * rows);
                a5.StoreUnsafe(ref row, 5 * rows);
                a6.StoreUnsafe(ref row, 6 * rows);
                a7.StoreUnsafe(ref row, 7 * rows);
            }
        }

        return k;
    }

    /// <summary>Any element size: each byte lane as single-byte elements through a 128-byte buffer, then scattered.</summary>
    private static int UnshuffleStrided128(ReadOnlySpan<byte> source, Span<byte> target, int rowBytes, int s)
    {
        Span<Vector128<byte>> x = stackalloc Vector128<byte>[8];
        Span<Vector128<byte>> y = stackalloc Vector128<byte>[8];
        Span<byte> lane = stackalloc byte[128];
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(target);
        ref var laneRef = ref MemoryMarshal.GetReference(lane);
        var rows = (nuint)rowBytes;
        var k = 0;
        for (; k + 16 <= rowBytes; k += 16)
        {
            for (var j = 0; j < s; j++)
            {
                ref var row = ref Unsafe.Add(ref src, (8 * j * rowBytes) + k);
                var a0 = Vector128.LoadUnsafe(ref row);
                var a1 = Vector128.LoadUnsafe(ref row, rows);
                var a2 = Vector128.LoadUnsafe(ref row, 2 * rows);
                var a3 = Vector128.LoadUnsafe(ref row, 3 * rows);
                var a4 = Vector128.LoadUnsafe(ref row, 4 * rows);
                var a5 = Vector128.LoadUnsafe(ref row, 5 * rows);
                var a6 = Vector128.LoadUnsafe(ref row, 6 * rows);
                var a7 = Vector128.LoadUnsafe(ref row, 7 * rows);
                TransposeBits8(ref a0, ref a1, ref a2, ref a3, ref a4, ref a5, ref a6, ref a7);
                (x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7]) = (a0, a1, a2, a3, a4, a5, a6, a7);
                Interleave(x, y);
                Interleave(y, x);
                Interleave(x, y);
                for (var v = 0; v < 8; v++)
                {
                    y[v].StoreUnsafe(ref laneRef, (nuint)(16 * v));
                }

                ref var element = ref Unsafe.Add(ref dst, (8 * k * s) + j);
                for (var i = 0; i < 128; i++)
                {
                    Unsafe.Add(ref element, i * s) = Unsafe.Add(ref laneRef, i);
                }
            }
        }

        return k;
    }

    private static int ShuffleStrided128(ReadOnlySpan<byte> source, Span<byte> target, int rowBytes, int s)
    {
        Span<Vector128<byte>> x = stackalloc Vector128<byte>[8];
        Span<Vector128<byte>> y = stackalloc Vector128<byte>[8];
        Span<byte> lane = stackalloc byte[128];
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(target);
        ref var laneRef = ref MemoryMarshal.GetReference(lane);
        var rows = (nuint)rowBytes;
        var k = 0;
        for (; k + 16 <= rowBytes; k += 16)
        {
            for (var j = 0; j < s; j++)
            {
                ref var element = ref Unsafe.Add(ref src, (8 * k * s) + j);
                for (var i = 0; i < 128; i++)
                {
                    Unsafe.Add(ref laneRef, i) = Unsafe.Add(ref element, i * s);
                }

                for (var v = 0; v < 8; v++)
                {
                    x[v] = Vector128.LoadUnsafe(ref laneRef, (nuint)(16 * v));
                }

                Interleave(x, y);
                Interleave(y, x);
                Interleave(x, y);
                Interleave(y, x);
                var (a0, a1, a2, a3, a4, a5, a6, a7) = (x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7]);
                TransposeBits8(ref a0, ref a1, ref a2, ref a3, ref a4, ref a5, ref a6, ref a7);
                ref var row = ref Unsafe.Add(ref dst, (8 * j * rowBytes) + k);
                a0.StoreUnsafe(ref row);
                a1.StoreUnsafe(ref row, rows);
                a2.StoreUnsafe(ref row, 2 * rows);
                a3.StoreUnsafe(ref row, 3 * rows);
                a4.StoreUnsafe(ref row, 4 * rows);
                a5.StoreUnsafe(ref row, 5 * rows);
                a6.StoreUnsafe(ref row, 6 * rows);
                a7.StoreUnsafe(ref row, 7 * rows);
            }
        }

        return k;
    }

    /// <summary>
    /// One unpack round: output vector 2p (2p + 1) interleaves the low (high) bytes of inputs p and p + n/2. In
    /// address bits (vector, byte) that is a rotation left by one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Interleave(ReadOnlySpan<Vector256<byte>> x, Span<Vector256<byte>> y)
    {
        var half = x.Length / 2;
        ref var from = ref MemoryMarshal.GetReference(x);
        ref var to = ref MemoryMarshal.GetReference(y);
        for (var p = 0; p < half; p++)
        {
            var a = Unsafe.Add(ref from, p);
            var b = Unsafe.Add(ref from, p + half);
            Unsafe.Add(ref to, 2 * p) = Avx2.UnpackLow(a, b);
            Unsafe.Add(ref to, (2 * p) + 1) = Avx2.UnpackHigh(a, b);
        }
    }

    /// <inheritdoc cref="Interleave(ReadOnlySpan{Vector256{byte}}, Span{Vector256{byte}})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Interleave(ReadOnlySpan<Vector128<byte>> x, Span<Vector128<byte>> y)
    {
        var half = x.Length / 2;
        ref var from = ref MemoryMarshal.GetReference(x);
        ref var to = ref MemoryMarshal.GetReference(y);
        for (var p = 0; p < half; p++)
        {
            var a = Unsafe.Add(ref from, p);
            var b = Unsafe.Add(ref from, p + half);
            if (Sse2.IsSupported)
            {
                Unsafe.Add(ref to, 2 * p) = Sse2.UnpackLow(a, b);
                Unsafe.Add(ref to, (2 * p) + 1) = Sse2.UnpackHigh(a, b);
            }
            else
            {
                Unsafe.Add(ref to, 2 * p) = AdvSimd.Arm64.ZipLow(a, b);
                Unsafe.Add(ref to, (2 * p) + 1) = AdvSimd.Arm64.ZipHigh(a, b);
            }
        }
    }

    /// <summary>
    /// Transposes, in every byte position at once, the 8x8 bit matrix whose row r is that byte of vector r: afterwards
    /// bit b of vector m is what bit m of vector b was. Swaps 4x4, then 2x2, then 1x1 blocks.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransposeBits8(
        ref Vector256<byte> a0, ref Vector256<byte> a1, ref Vector256<byte> a2, ref Vector256<byte> a3,
        ref Vector256<byte> a4, ref Vector256<byte> a5, ref Vector256<byte> a6, ref Vector256<byte> a7)
    {
        var m4 = Vector256.Create((byte)0x0F);
        SwapBits(ref a0, ref a4, 4, m4);
        SwapBits(ref a1, ref a5, 4, m4);
        SwapBits(ref a2, ref a6, 4, m4);
        SwapBits(ref a3, ref a7, 4, m4);
        var m2 = Vector256.Create((byte)0x33);
        SwapBits(ref a0, ref a2, 2, m2);
        SwapBits(ref a1, ref a3, 2, m2);
        SwapBits(ref a4, ref a6, 2, m2);
        SwapBits(ref a5, ref a7, 2, m2);
        var m1 = Vector256.Create((byte)0x55);
        SwapBits(ref a0, ref a1, 1, m1);
        SwapBits(ref a2, ref a3, 1, m1);
        SwapBits(ref a4, ref a5, 1, m1);
        SwapBits(ref a6, ref a7, 1, m1);
    }

    /// <inheritdoc cref="TransposeBits8(ref Vector256{byte}, ref Vector256{byte}, ref Vector256{byte}, ref Vector256{byte}, ref Vector256{byte}, ref Vector256{byte}, ref Vector256{byte}, ref Vector256{byte})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransposeBits8(
        ref Vector128<byte> a0, ref Vector128<byte> a1, ref Vector128<byte> a2, ref Vector128<byte> a3,
        ref Vector128<byte> a4, ref Vector128<byte> a5, ref Vector128<byte> a6, ref Vector128<byte> a7)
    {
        var m4 = Vector128.Create((byte)0x0F);
        SwapBits(ref a0, ref a4, 4, m4);
        SwapBits(ref a1, ref a5, 4, m4);
        SwapBits(ref a2, ref a6, 4, m4);
        SwapBits(ref a3, ref a7, 4, m4);
        var m2 = Vector128.Create((byte)0x33);
        SwapBits(ref a0, ref a2, 2, m2);
        SwapBits(ref a1, ref a3, 2, m2);
        SwapBits(ref a4, ref a6, 2, m2);
        SwapBits(ref a5, ref a7, 2, m2);
        var m1 = Vector128.Create((byte)0x55);
        SwapBits(ref a0, ref a1, 1, m1);
        SwapBits(ref a2, ref a3, 1, m1);
        SwapBits(ref a4, ref a5, 1, m1);
        SwapBits(ref a6, ref a7, 1, m1);
    }

    /// <summary>
    /// In every byte, swaps the <paramref name="mask"/> bits of <paramref name="second"/> with the bits
    /// <paramref name="shift"/> places higher in <paramref name="first"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SwapBits(ref Vector256<byte> first, ref Vector256<byte> second, int shift, Vector256<byte> mask)
    {
        // 16-bit shifts (there are no 8-bit ones); the mask drops the bits that crossed into the neighbouring byte.
        var t = (Vector256.ShiftRightLogical(first.AsUInt16(), shift).AsByte() ^ second) & mask;
        second ^= t;
        first ^= Vector256.ShiftLeft(t.AsUInt16(), shift).AsByte();
    }

    /// <inheritdoc cref="SwapBits(ref Vector256{byte}, ref Vector256{byte}, int, Vector256{byte})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SwapBits(ref Vector128<byte> first, ref Vector128<byte> second, int shift, Vector128<byte> mask)
    {
        var t = (Vector128.ShiftRightLogical(first.AsUInt16(), shift).AsByte() ^ second) & mask;
        second ^= t;
        first ^= Vector128.ShiftLeft(t.AsUInt16(), shift).AsByte();
    }

    /// <summary>Row bytes <paramref name="k"/>.. one at a time: gather the 8x8 bit matrix, transpose, scatter.</summary>
    private static void UnshuffleScalar(ReadOnlySpan<byte> source, Span<byte> target, int rowBytes, int s, int k)
    {
        for (; k < rowBytes; k++)
        {
            for (var j = 0; j < s; j++)
            {
                var x = 0UL;
                var row = (8 * j * rowBytes) + k;
                for (var b = 0; b < 8; b++)
                {
                    x |= (ulong)source[row + (b * rowBytes)] << (8 * b);
                }

                x = TransposeBits(x);
                var at = (8 * k * s) + j;
                for (var m = 0; m < 8; m++)
                {
                    target[at + (m * s)] = (byte)(x >> (8 * m));
                }
            }
        }
    }

    private static void ShuffleScalar(ReadOnlySpan<byte> source, Span<byte> target, int rowBytes, int s, int k)
    {
        for (; k < rowBytes; k++)
        {
            for (var j = 0; j < s; j++)
            {
                var x = 0UL;
                var at = (8 * k * s) + j;
                for (var m = 0; m < 8; m++)
                {
                    x |= (ulong)source[at + (m * s)] << (8 * m);
                }

                x = TransposeBits(x);
                var row = (8 * j * rowBytes) + k;
                for (var b = 0; b < 8; b++)
                {
                    target[row + (b * rowBytes)] = (byte)(x >> (8 * b));
                }
            }
        }
    }
}
