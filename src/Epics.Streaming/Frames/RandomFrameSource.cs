using System.Globalization;
using System.Runtime.InteropServices;
using Epics.Pva.Data;

namespace Epics.Streaming.Frames;

/// <summary>
/// Uniform random frames (framework.md §11.2): integers in [max(typeMin, mn), min(typeMax, mx)), floats in [mn, mx]
/// or over the float32 range. Frame i is generated from seed i with a xoshiro256** generator, so any frame can be
/// rebuilt cheaply and generation runs at memory speed.
/// </summary>
internal sealed class RandomFrameSource : IFrameSource
{
    private readonly FrameBufferPool _pool;
    private readonly ulong _seed;

    public RandomFrameSource(FrameShape shape, int frameCount, double? minimum, double? maximum, FrameBufferPool pool, ulong seed = 0x5eed)
    {
        Shape = shape;
        FrameCount = frameCount;
        _pool = pool;
        _seed = seed;
        (Low, High) = Range(shape.ElementType, minimum, maximum);
    }

    public string Name => "random";

    public FrameShape Shape { get; }

    public int FrameCount { get; }

    /// <summary>Lowest value.</summary>
    public double Low { get; }

    /// <summary>Highest value (exclusive for integers).</summary>
    public double High { get; }

    public string RangeText => Shape.ElementType.IsFloatingPoint()
        ? string.Create(CultureInfo.InvariantCulture, $"[{Low},{High}]")
        : string.Create(CultureInfo.InvariantCulture, $"[{(long)Low},{(decimal)High}]");

    public static (double Low, double High) Range(ScalarType type, double? minimum, double? maximum)
    {
        if (type.IsFloatingPoint())
        {
            return (minimum ?? float.MinValue, maximum ?? float.MaxValue);
        }

        var (typeMin, typeMax) = type switch
        {
            ScalarType.Byte => (sbyte.MinValue, sbyte.MaxValue),
            ScalarType.UByte => (0d, byte.MaxValue),
            ScalarType.Short => (short.MinValue, short.MaxValue),
            ScalarType.UShort => (0d, ushort.MaxValue),
            ScalarType.Int => (int.MinValue, int.MaxValue),
            ScalarType.UInt => (0d, uint.MaxValue),
            ScalarType.Long => (long.MinValue, long.MaxValue),
            ScalarType.ULong => (0d, (double)ulong.MaxValue),
            _ => (0d, 1d),
        };
        var low = Math.Max(typeMin, Math.Ceiling(minimum ?? typeMin));
        var high = Math.Min(typeMax, Math.Floor(maximum ?? typeMax));
        if (high <= low)
        {
            high = low + 1; // a one-value range; keeps the exclusive bound meaningful
        }

        return (low, high);
    }

    public PvArray ReadFrame(int index)
    {
        var array = PvArray.Allocate(Shape.ElementType, Shape.Elements, _pool);
        Fill(array, _seed + (ulong)index);
        return array;
    }

    private void Fill(PvArray array, ulong seed)
    {
        var rng = new Xoshiro(seed);
        switch (Shape.ElementType)
        {
            case ScalarType.Byte:
            case ScalarType.UByte:
            case ScalarType.Boolean:
                FillSmall(array.WritableBytes, ref rng, (long)Low, (ulong)(High - Low));
                break;
            case ScalarType.Short:
            case ScalarType.UShort:
                FillSmall(MemoryMarshal.Cast<byte, ushort>(array.WritableBytes), ref rng, (long)Low, (ulong)(High - Low));
                break;
            case ScalarType.Int:
            case ScalarType.UInt:
            {
                var span = MemoryMarshal.Cast<byte, uint>(array.WritableBytes);
                var range = (ulong)(High - Low);
                var low = (long)Low;
                for (var i = 0; i < span.Length; i++)
                {
                    span[i] = unchecked((uint)(low + (long)(((rng.Next() >> 32) * range) >> 32)));
                }

                break;
            }

            case ScalarType.Long:
            case ScalarType.ULong:
            {
                var span = MemoryMarshal.Cast<byte, ulong>(array.WritableBytes);
                var range = (ulong)(High - Low);
                var low = Shape.ElementType == ScalarType.ULong ? 0UL : unchecked((ulong)(long)Low);
                for (var i = 0; i < span.Length; i++)
                {
                    span[i] = unchecked(low + Math.BigMul(rng.Next(), range, out _));
                }

                break;
            }

            case ScalarType.Float:
            {
                var span = array.GetWritableSpan<float>();
                for (var i = 0; i < span.Length; i++)
                {
                    span[i] = (float)(Low + (rng.NextDouble() * (High - Low)));
                }

                break;
            }

            default:
            {
                var span = array.GetWritableSpan<double>();
                for (var i = 0; i < span.Length; i++)
                {
                    span[i] = Low + (rng.NextDouble() * (High - Low));
                }

                break;
            }
        }
    }

    // One 64-bit draw gives four 16-bit fractions; value = low + fraction * range / 2^16 (range ≤ 2^16).
    private static void FillSmall<T>(Span<T> span, ref Xoshiro rng, long low, ulong range)
        where T : unmanaged
    {
        var i = 0;
        if (typeof(T) == typeof(byte))
        {
            var bytes = MemoryMarshal.Cast<T, byte>(span);
            for (; i + 4 <= bytes.Length; i += 4)
            {
                var r = rng.Next();
                bytes[i] = (byte)(low + (long)(((r & 0xFFFF) * range) >> 16));
                bytes[i + 1] = (byte)(low + (long)((((r >> 16) & 0xFFFF) * range) >> 16));
                bytes[i + 2] = (byte)(low + (long)((((r >> 32) & 0xFFFF) * range) >> 16));
                bytes[i + 3] = (byte)(low + (long)(((r >> 48) * range) >> 16));
            }

            for (; i < bytes.Length; i++)
            {
                bytes[i] = (byte)(low + (long)(((rng.Next() >> 48) * range) >> 16));
            }

            return;
        }

        var shorts = MemoryMarshal.Cast<T, ushort>(span);
        for (; i < shorts.Length; i++)
        {
            shorts[i] = unchecked((ushort)(low + (long)(((rng.Next() >> 32) * range) >> 32)));
        }
    }

    public void Dispose()
    {
    }

    private struct Xoshiro
    {
        private ulong _s0, _s1, _s2, _s3;

        public Xoshiro(ulong seed)
        {
            _s0 = SplitMix(ref seed);
            _s1 = SplitMix(ref seed);
            _s2 = SplitMix(ref seed);
            _s3 = SplitMix(ref seed);
        }

        public ulong Next()
        {
            var result = ulong.RotateLeft(_s1 * 5, 7) * 9;
            var t = _s1 << 17;
            _s2 ^= _s0;
            _s3 ^= _s1;
            _s1 ^= _s2;
            _s0 ^= _s3;
            _s2 ^= t;
            _s3 = ulong.RotateLeft(_s3, 45);
            return result;
        }

        public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

        private static ulong SplitMix(ref ulong x)
        {
            var z = x += 0x9E3779B97F4A7C15;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
            return z ^ (z >> 31);
        }
    }
}
