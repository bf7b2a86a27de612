using Epics.Pva.Data;
using Epics.Pva.Data.NT;
using Epics.Streaming.Codecs;

namespace Epics.Streaming.Processors.Files;

/// <summary>
/// The uncompressed pixels of one NTNDArray with its geometry, read without changing the frame (a compressed frame is
/// decoded into a new array). Dispose it to release the pixels.
/// </summary>
public sealed class FrameImage : IDisposable
{
    private FrameImage(PvArray pixels, ImageShape shape)
    {
        Pixels = pixels;
        Shape = shape;
    }

    /// <summary>The elements in the frame's own order (for colour: as its colour mode lays them out).</summary>
    public PvArray Pixels { get; }

    /// <summary>nx, ny and colour mode.</summary>
    public ImageShape Shape { get; }

    /// <summary>The pixel type.</summary>
    public ScalarType ElementType => Pixels.ElementType;

    /// <summary>The frame's pixels, or null for a frame without an image (no dimensions).</summary>
    /// <exception cref="InvalidDataException">The dimensions do not match the element count.</exception>
    public static FrameImage? From(PvValue ntndarray)
    {
        var frame = new NTNDArray(ntndarray);
        var shape = frame.ImageShape;
        if (shape.IsEmpty)
        {
            return null;
        }

        var pixels = NdArrayCodec.Decompress(ntndarray);
        if (pixels.Count != shape.Elements || pixels.ElementType == ScalarType.String)
        {
            var count = pixels.Count;
            pixels.Dispose();
            throw new InvalidDataException($"frame of {shape} holds {count} elements, not {shape.Elements}");
        }

        return new FrameImage(pixels, shape);
    }

    /// <summary>
    /// The element bytes with colour pixels interleaved (r, g, b of each pixel together, rows top to bottom), as image
    /// files store them; a mono or RGB1 frame is returned as it is.
    /// </summary>
    public ReadOnlySpan<byte> InterleavedBytes()
    {
        if (Shape.ColorMode is not (NDColorMode.RGB2 or NDColorMode.RGB3))
        {
            return Pixels.Bytes;
        }

        var size = ElementType.ElementSize();
        var source = Pixels.Bytes;
        var result = new byte[source.Length];
        int nx = Shape.Nx, ny = Shape.Ny;
        for (var y = 0; y < ny; y++)
        {
            for (var c = 0; c < 3; c++)
            {
                // RGB2 keeps each component row together; RGB3 keeps each component plane together.
                var from = Shape.ColorMode == NDColorMode.RGB2 ? ((y * 3) + c) * nx : ((c * ny) + y) * nx;
                for (var x = 0; x < nx; x++)
                {
                    source.Slice((from + x) * size, size).CopyTo(result.AsSpan((((y * nx) + x) * 3 + c) * size, size));
                }
            }
        }

        return result;
    }

    /// <summary>
    /// The pixels (interleaved) as <paramref name="bits"/>-bit unsigned values (8 or 16): unsigned types of that width
    /// as they are, every other type scaled linearly from its minimum..maximum onto the full range.
    /// </summary>
    public ushort[] ToUnsigned(int bits)
    {
        var bytes = InterleavedBytes();
        var count = Pixels.Count;
        var result = new ushort[count];
        if ((bits == 8 && ElementType == ScalarType.UByte) || (bits == 16 && ElementType == ScalarType.UShort))
        {
            for (var i = 0; i < count; i++)
            {
                result[i] = bits == 8 ? bytes[i] : BitConverter.ToUInt16(bytes.Slice(i * 2, 2));
            }

            return result;
        }

        var values = new double[count];
        var size = ElementType.ElementSize();
        var min = double.PositiveInfinity;
        var max = double.NegativeInfinity;
        for (var i = 0; i < count; i++)
        {
            var v = Read(bytes.Slice(i * size, size));
            values[i] = v;
            if (double.IsFinite(v))
            {
                min = Math.Min(min, v);
                max = Math.Max(max, v);
            }
        }

        var top = (1 << bits) - 1;
        var scale = max > min ? top / (max - min) : 0;
        for (var i = 0; i < count; i++)
        {
            result[i] = double.IsFinite(values[i]) ? (ushort)Math.Clamp(Math.Round((values[i] - min) * scale), 0, top) : (ushort)0;
        }

        return result;
    }

    /// <inheritdoc />
    public void Dispose() => Pixels.Dispose();

    private double Read(ReadOnlySpan<byte> b) => ElementType switch
    {
        ScalarType.Byte => (sbyte)b[0],
        ScalarType.UByte => b[0],
        ScalarType.Short => BitConverter.ToInt16(b),
        ScalarType.UShort => BitConverter.ToUInt16(b),
        ScalarType.Int => BitConverter.ToInt32(b),
        ScalarType.UInt => BitConverter.ToUInt32(b),
        ScalarType.Long => BitConverter.ToInt64(b),
        ScalarType.ULong => BitConverter.ToUInt64(b),
        ScalarType.Float => BitConverter.ToSingle(b),
        ScalarType.Double => BitConverter.ToDouble(b),
        ScalarType.Boolean => b[0],
        _ => 0,
    };
}
