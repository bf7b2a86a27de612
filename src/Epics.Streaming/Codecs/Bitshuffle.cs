using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Epics.Streaming.Codecs;

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
/// One generic path serves both widths through <see cref="ISimd{TVec}"/>. AVX2 unpacks work within 128-bit halves, so
/// each half runs the 128-bit algorithm on its own 16 row bytes: the elements of the low halves come first, those of
/// the high halves 128 elements later.
/// Other element sizes transpose each byte lane j the same way (as if the elements were single bytes) and scatter the
/// bytes to every s-th position. Hardware without these vectors and the last few row bytes take a scalar 8x8 bit-matrix
/// transpose per byte.
/// </remarks>
public static class Bitshuffle
{
    /// <summary>Largest element size the vector paths handle (2 x 8·s vectors of scratch: 8 KiB of stack at most).</summary>
    private const int MaxVectorElementSize = 16;

    /// <summary>Elements per block when the writer did not choose: 8 KiB of data, a multiple of 8, at least 128.</summary>
    public static int DefaultBlockElements(int elementSize) => Math.Max(128, 8192 / elementSize / 8 * 8);

    /// <summary>
    /// Undoes the uncompressed bitshuffle layout (HDF5 filter 32008 without LZ4): each block of
    /// <paramref name="blockElements"/> elements (0 = the default) is unshuffled, the last (n mod 8) elements are stored
    /// as they are. Returns the bytes written (the input's length).
    /// </summary>
    public static int UnshuffleBlocks(ReadOnlySpan<byte> data, Span<byte> output, int elementSize, int blockElements = 0)
    {
        var offset = 0;
        foreach (var n in Blocks(data.Length / elementSize, blockElements > 0 ? blockElements : DefaultBlockElements(elementSize)))
        {
            var bytes = n * elementSize;
            Unshuffle(data.Slice(offset, bytes), output.Slice(offset, bytes), n, elementSize);
            offset += bytes;
        }

        data[offset..].CopyTo(output[offset..]);
        return data.Length;
    }

    /// <summary>Sizes of the blocks of a bitshuffled chunk: full blocks, then the rest rounded down to a multiple of 8.</summary>
    internal static IEnumerable<int> Blocks(int elements, int blockElements)
    {
        for (var i = 0; i < elements / blockElements; i++)
        {
            yield return blockElements;
        }

        var last = elements % blockElements / 8 * 8;
        if (last > 0)
        {
            yield return last;
        }
    }

    /// <summary>Undoes <see cref="Shuffle"/> for <paramref name="elements"/> elements (a multiple of 8).</summary>
    public static void Unshuffle(ReadOnlySpan<byte> shuffled, Span<byte> output, int elements, int elementSize)
    {
        Validate(shuffled.Length, output.Length, elements, elementSize);
        var rowBytes = elements / 8;
        var log2 = VectorLog2(elementSize);
        int done;
        if (log2 >= 0)
        {
            done = UnshuffleVectors<Vector256<byte>, Simd256>(shuffled, output, rowBytes, elementSize, log2, 0);
            done = UnshuffleVectors<Vector128<byte>, Simd128>(shuffled, output, rowBytes, elementSize, log2, done);
        }
        else
        {
            done = UnshuffleStrided(shuffled, output, rowBytes, elementSize);
        }

        UnshuffleScalar(shuffled, output, rowBytes, elementSize, done);
    }

    /// <summary>Bit-transposes <paramref name="elements"/> elements (a multiple of 8) into bit-rows.</summary>
    public static void Shuffle(ReadOnlySpan<byte> input, Span<byte> shuffled, int elements, int elementSize)
    {
        Validate(input.Length, shuffled.Length, elements, elementSize);
        var rowBytes = elements / 8;
        int done;
        if (VectorLog2(elementSize) >= 0)
        {
            done = ShuffleVectors<Vector256<byte>, Simd256>(input, shuffled, rowBytes, elementSize, 0);
            done = ShuffleVectors<Vector128<byte>, Simd128>(input, shuffled, rowBytes, elementSize, done);
        }
        else
        {
            done = ShuffleStrided(input, shuffled, rowBytes, elementSize);
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

    /// <summary>Row bytes <paramref name="k"/>.. in vectors of one width; returns where it stopped.</summary>
    private static int UnshuffleVectors<TVec, TSimd>(ReadOnlySpan<byte> source, Span<byte> target, int rowBytes, int s, int log2, int k)
        where TVec : unmanaged
        where TSimd : ISimd<TVec>
    {
        if (!TSimd.IsSupported)
        {
            return k;
        }

        Span<TVec> x = stackalloc TVec[8 * s];
        Span<TVec> y = stackalloc TVec[8 * s];
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(target);
        for (; k + TSimd.RowBytes <= rowBytes; k += TSimd.RowBytes)
        {
            for (var j = 0; j < s; j++)
            {
                LoadRows<TVec, TSimd>(ref Unsafe.Add(ref src, (8 * j * rowBytes) + k), (nuint)rowBytes, x, s, j);
            }

            var elements = Interleave<TVec, TSimd>(x, y, 3 + log2);
            var at = (nuint)(8 * k * s);
            for (var v = 0; v < elements.Length; v++)
            {
                TSimd.StoreLanes(elements[v], ref dst, at + (nuint)(16 * v), (nuint)(128 * s));
            }
        }

        return k;
    }

    /// <inheritdoc cref="UnshuffleVectors"/>
    private static int ShuffleVectors<TVec, TSimd>(ReadOnlySpan<byte> source, Span<byte> target, int rowBytes, int s, int k)
        where TVec : unmanaged
        where TSimd : ISimd<TVec>
    {
        if (!TSimd.IsSupported)
        {
            return k;
        }

        Span<TVec> x = stackalloc TVec[8 * s];
        Span<TVec> y = stackalloc TVec[8 * s];
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(target);
        for (; k + TSimd.RowBytes <= rowBytes; k += TSimd.RowBytes)
        {
            var at = (nuint)(8 * k * s);
            for (var v = 0; v < x.Length; v++)
            {
                x[v] = TSimd.LoadLanes(ref src, at + (nuint)(16 * v), (nuint)(128 * s));
            }

            var vectors = Interleave<TVec, TSimd>(x, y, 4);
            for (var j = 0; j < s; j++)
            {
                StoreRows<TVec, TSimd>(vectors, s, j, ref Unsafe.Add(ref dst, (8 * j * rowBytes) + k), (nuint)rowBytes);
            }
        }

        return k;
    }

    /// <summary>Any element size: each byte lane as single-byte elements through a 128-byte buffer, then scattered.</summary>
    private static int UnshuffleStrided(ReadOnlySpan<byte> source, Span<byte> target, int rowBytes, int s)
    {
        if (!Simd128.IsSupported)
        {
            return 0;
        }

        Span<Vector128<byte>> x = stackalloc Vector128<byte>[8];
        Span<Vector128<byte>> y = stackalloc Vector128<byte>[8];
        Span<byte> lane = stackalloc byte[128];
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(target);
        ref var laneRef = ref MemoryMarshal.GetReference(lane);
        var k = 0;
        for (; k + 16 <= rowBytes; k += 16)
        {
            for (var j = 0; j < s; j++)
            {
                LoadRows<Vector128<byte>, Simd128>(ref Unsafe.Add(ref src, (8 * j * rowBytes) + k), (nuint)rowBytes, x, 1, 0);
                var bytes = Interleave<Vector128<byte>, Simd128>(x, y, 3);
                for (var v = 0; v < 8; v++)
                {
                    bytes[v].StoreUnsafe(ref laneRef, (nuint)(16 * v));
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

    /// <inheritdoc cref="UnshuffleStrided"/>
    private static int ShuffleStrided(ReadOnlySpan<byte> source, Span<byte> target, int rowBytes, int s)
    {
        if (!Simd128.IsSupported)
        {
            return 0;
        }

        Span<Vector128<byte>> x = stackalloc Vector128<byte>[8];
        Span<Vector128<byte>> y = stackalloc Vector128<byte>[8];
        Span<byte> lane = stackalloc byte[128];
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(target);
        ref var laneRef = ref MemoryMarshal.GetReference(lane);
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

                var vectors = Interleave<Vector128<byte>, Simd128>(x, y, 4);
                StoreRows<Vector128<byte>, Simd128>(vectors, 1, 0, ref Unsafe.Add(ref dst, (8 * j * rowBytes) + k), (nuint)rowBytes);
            }
        }

        return k;
    }

    /// <summary>
    /// Loads the 8 rows at <paramref name="row"/> + b·<paramref name="rows"/>, bit-transposes them and puts vector m at
    /// x[s·m + j]: byte j of elements 8k'+m, the address order the unpack rounds start from.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LoadRows<TVec, TSimd>(ref byte row, nuint rows, Span<TVec> x, int s, int j)
        where TVec : unmanaged
        where TSimd : ISimd<TVec>
    {
        var a0 = TSimd.Load(ref row, 0);
        var a1 = TSimd.Load(ref row, rows);
        var a2 = TSimd.Load(ref row, 2 * rows);
        var a3 = TSimd.Load(ref row, 3 * rows);
        var a4 = TSimd.Load(ref row, 4 * rows);
        var a5 = TSimd.Load(ref row, 5 * rows);
        var a6 = TSimd.Load(ref row, 6 * rows);
        var a7 = TSimd.Load(ref row, 7 * rows);
        TransposeBits8<TVec, TSimd>(ref a0, ref a1, ref a2, ref a3, ref a4, ref a5, ref a6, ref a7);
        x[j] = a0;
        x[s + j] = a1;
        x[(2 * s) + j] = a2;
        x[(3 * s) + j] = a3;
        x[(4 * s) + j] = a4;
        x[(5 * s) + j] = a5;
        x[(6 * s) + j] = a6;
        x[(7 * s) + j] = a7;
    }

    /// <summary>The inverse of <see cref="LoadRows"/>: vectors x[s·m + j] bit-transposed into the 8 rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRows<TVec, TSimd>(ReadOnlySpan<TVec> x, int s, int j, ref byte row, nuint rows)
        where TVec : unmanaged
        where TSimd : ISimd<TVec>
    {
        var a0 = x[j];
        var a1 = x[s + j];
        var a2 = x[(2 * s) + j];
        var a3 = x[(3 * s) + j];
        var a4 = x[(4 * s) + j];
        var a5 = x[(5 * s) + j];
        var a6 = x[(6 * s) + j];
        var a7 = x[(7 * s) + j];
        TransposeBits8<TVec, TSimd>(ref a0, ref a1, ref a2, ref a3, ref a4, ref a5, ref a6, ref a7);
        TSimd.Store(a0, ref row, 0);
        TSimd.Store(a1, ref row, rows);
        TSimd.Store(a2, ref row, 2 * rows);
        TSimd.Store(a3, ref row, 3 * rows);
        TSimd.Store(a4, ref row, 4 * rows);
        TSimd.Store(a5, ref row, 5 * rows);
        TSimd.Store(a6, ref row, 6 * rows);
        TSimd.Store(a7, ref row, 7 * rows);
    }

    /// <summary>
    /// <paramref name="rounds"/> unpack rounds ping-ponging between the buffers; returns the one holding the result.
    /// One round: output vector 2p (2p + 1) interleaves the low (high) bytes of inputs p and p + n/2. In address bits
    /// (vector, byte) that is a rotation left by one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Span<TVec> Interleave<TVec, TSimd>(Span<TVec> x, Span<TVec> y, int rounds)
        where TVec : unmanaged
        where TSimd : ISimd<TVec>
    {
        var half = x.Length / 2;
        for (var round = 0; round < rounds; round++)
        {
            ref var from = ref MemoryMarshal.GetReference(x);
            ref var to = ref MemoryMarshal.GetReference(y);
            for (var p = 0; p < half; p++)
            {
                var a = Unsafe.Add(ref from, p);
                var b = Unsafe.Add(ref from, p + half);
                Unsafe.Add(ref to, 2 * p) = TSimd.ZipLow(a, b);
                Unsafe.Add(ref to, (2 * p) + 1) = TSimd.ZipHigh(a, b);
            }

            var swap = x;
            x = y;
            y = swap;
        }

        return x;
    }

    /// <summary>
    /// Transposes, in every byte position at once, the 8x8 bit matrix whose row r is that byte of vector r: afterwards
    /// bit b of vector m is what bit m of vector b was. Swaps 4x4, then 2x2, then 1x1 blocks.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransposeBits8<TVec, TSimd>(
        ref TVec a0, ref TVec a1, ref TVec a2, ref TVec a3, ref TVec a4, ref TVec a5, ref TVec a6, ref TVec a7)
        where TVec : unmanaged
        where TSimd : ISimd<TVec>
    {
        TSimd.SwapBits(ref a0, ref a4, 4, 0x0F);
        TSimd.SwapBits(ref a1, ref a5, 4, 0x0F);
        TSimd.SwapBits(ref a2, ref a6, 4, 0x0F);
        TSimd.SwapBits(ref a3, ref a7, 4, 0x0F);
        TSimd.SwapBits(ref a0, ref a2, 2, 0x33);
        TSimd.SwapBits(ref a1, ref a3, 2, 0x33);
        TSimd.SwapBits(ref a4, ref a6, 2, 0x33);
        TSimd.SwapBits(ref a5, ref a7, 2, 0x33);
        TSimd.SwapBits(ref a0, ref a1, 1, 0x55);
        TSimd.SwapBits(ref a2, ref a3, 1, 0x55);
        TSimd.SwapBits(ref a4, ref a5, 1, 0x55);
        TSimd.SwapBits(ref a6, ref a7, 1, 0x55);
    }

    /// <summary>Row bytes <paramref name="k"/>.. one at a time: gather the 8x8 bit matrix, transpose, scatter.</summary>
    private static void UnshuffleScalar(ReadOnlySpan<byte> source, Span<byte> target, int rowBytes, int s, int k)
    {
        for (; k < rowBytes; k++)
        {
            for (var j = 0; j < s; j++)
            {
                Scatter8(target, (8 * k * s) + j, s, TransposeBits(Gather8(source, (8 * j * rowBytes) + k, rowBytes)));
            }
        }
    }

    /// <inheritdoc cref="UnshuffleScalar"/>
    private static void ShuffleScalar(ReadOnlySpan<byte> source, Span<byte> target, int rowBytes, int s, int k)
    {
        for (; k < rowBytes; k++)
        {
            for (var j = 0; j < s; j++)
            {
                Scatter8(target, (8 * j * rowBytes) + k, rowBytes, TransposeBits(Gather8(source, (8 * k * s) + j, s)));
            }
        }
    }

    /// <summary>Bytes at <paramref name="at"/> + i·<paramref name="stride"/>, i = 0..7, as one little-endian word.</summary>
    private static ulong Gather8(ReadOnlySpan<byte> source, int at, int stride)
    {
        var x = 0UL;
        for (var i = 0; i < 8; i++)
        {
            x |= (ulong)source[at + (i * stride)] << (8 * i);
        }

        return x;
    }

    /// <summary>The inverse of <see cref="Gather8"/>.</summary>
    private static void Scatter8(Span<byte> target, int at, int stride, ulong x)
    {
        for (var i = 0; i < 8; i++)
        {
            target[at + (i * stride)] = (byte)(x >> (8 * i));
        }
    }

    /// <summary>The few vector operations the paths need, for one vector width.</summary>
    private interface ISimd<TVec>
        where TVec : unmanaged
    {
        static abstract bool IsSupported { get; }

        /// <summary>Bytes of every bit-row one vector covers.</summary>
        static abstract int RowBytes { get; }

        static abstract TVec Load(ref byte source, nuint offset);

        static abstract void Store(TVec value, ref byte target, nuint offset);

        /// <summary>Loads 128-bit lane h from <paramref name="offset"/> + h·<paramref name="laneStride"/>.</summary>
        static abstract TVec LoadLanes(ref byte source, nuint offset, nuint laneStride);

        /// <summary>Stores 128-bit lane h at <paramref name="offset"/> + h·<paramref name="laneStride"/>.</summary>
        static abstract void StoreLanes(TVec value, ref byte target, nuint offset, nuint laneStride);

        /// <summary>Interleaves the low bytes of each 128-bit lane of <paramref name="a"/> and <paramref name="b"/>.</summary>
        static abstract TVec ZipLow(TVec a, TVec b);

        /// <summary>Interleaves the high bytes of each 128-bit lane of <paramref name="a"/> and <paramref name="b"/>.</summary>
        static abstract TVec ZipHigh(TVec a, TVec b);

        /// <summary>
        /// In every byte, swaps the <paramref name="mask"/> bits of <paramref name="second"/> with the bits
        /// <paramref name="shift"/> places higher in <paramref name="first"/>.
        /// </summary>
        static abstract void SwapBits(ref TVec first, ref TVec second, int shift, byte mask);
    }

    /// <summary>SSE2, or AdvSimd on Arm64.</summary>
    private readonly struct Simd128 : ISimd<Vector128<byte>>
    {
        public static bool IsSupported => Sse2.IsSupported || AdvSimd.Arm64.IsSupported;

        public static int RowBytes => 16;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<byte> Load(ref byte source, nuint offset) => Vector128.LoadUnsafe(ref source, offset);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(Vector128<byte> value, ref byte target, nuint offset) => value.StoreUnsafe(ref target, offset);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<byte> LoadLanes(ref byte source, nuint offset, nuint laneStride) => Load(ref source, offset);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void StoreLanes(Vector128<byte> value, ref byte target, nuint offset, nuint laneStride) =>
            Store(value, ref target, offset);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<byte> ZipLow(Vector128<byte> a, Vector128<byte> b) =>
            Sse2.IsSupported ? Sse2.UnpackLow(a, b) : AdvSimd.Arm64.ZipLow(a, b);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<byte> ZipHigh(Vector128<byte> a, Vector128<byte> b) =>
            Sse2.IsSupported ? Sse2.UnpackHigh(a, b) : AdvSimd.Arm64.ZipHigh(a, b);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void SwapBits(ref Vector128<byte> first, ref Vector128<byte> second, int shift, byte mask)
        {
            // 16-bit shifts (there are no 8-bit ones); the mask drops the bits that crossed into the neighbouring byte.
            var t = (Vector128.ShiftRightLogical(first.AsUInt16(), shift).AsByte() ^ second) & Vector128.Create(mask);
            second ^= t;
            first ^= Vector128.ShiftLeft(t.AsUInt16(), shift).AsByte();
        }
    }

    /// <summary>AVX2: two independent 128-bit lanes per vector (its unpacks do not cross lanes).</summary>
    private readonly struct Simd256 : ISimd<Vector256<byte>>
    {
        public static bool IsSupported => Avx2.IsSupported;

        public static int RowBytes => 32;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<byte> Load(ref byte source, nuint offset) => Vector256.LoadUnsafe(ref source, offset);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(Vector256<byte> value, ref byte target, nuint offset) => value.StoreUnsafe(ref target, offset);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<byte> LoadLanes(ref byte source, nuint offset, nuint laneStride) =>
            Vector256.Create(Vector128.LoadUnsafe(ref source, offset), Vector128.LoadUnsafe(ref source, offset + laneStride));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void StoreLanes(Vector256<byte> value, ref byte target, nuint offset, nuint laneStride)
        {
            value.GetLower().StoreUnsafe(ref target, offset);
            value.GetUpper().StoreUnsafe(ref target, offset + laneStride);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<byte> ZipLow(Vector256<byte> a, Vector256<byte> b) => Avx2.UnpackLow(a, b);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<byte> ZipHigh(Vector256<byte> a, Vector256<byte> b) => Avx2.UnpackHigh(a, b);

        /// <inheritdoc cref="Simd128.SwapBits"/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void SwapBits(ref Vector256<byte> first, ref Vector256<byte> second, int shift, byte mask)
        {
            var t = (Vector256.ShiftRightLogical(first.AsUInt16(), shift).AsByte() ^ second) & Vector256.Create(mask);
            second ^= t;
            first ^= Vector256.ShiftLeft(t.AsUInt16(), shift).AsByte();
        }
    }
}
