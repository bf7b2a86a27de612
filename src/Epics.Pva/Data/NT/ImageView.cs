namespace Epics.Pva.Data.NT;

/// <summary>
/// A typed view of an NTNDArray image: its <see cref="ImageShape"/> over the frame's <see cref="PvArray"/>, read as
/// <typeparamref name="T"/> (which must be the element type's own CLR type: <c>ushort</c> for ushortValue).
/// Element (x, y, colour c) is at <see cref="IndexOf"/>:
/// mono and Bayer <c>y·nx + x</c>; RGB1 <c>(y·nx + x)·3 + c</c>; RGB2 <c>(y·3 + c)·nx + x</c>; RGB3 <c>(c·ny + y)·nx + x</c>.
/// Read accessors return <see cref="ReadOnlySpan{T}"/>; the <c>GetWritable…</c> ones return <see cref="Span{T}"/> and
/// throw <see cref="InvalidOperationException"/> while the array is shared (get the view from
/// <see cref="NTNDArray.GetWritableImage{T}"/> to write). The view is valid while the frame value holds the array.
/// </summary>
/// <typeparam name="T">The element type (byte, sbyte, short, ushort, int, uint, long, ulong, float, double).</typeparam>
public readonly struct ImageView<T>
    where T : unmanaged
{
    private readonly PvArray? _data;

    internal ImageView(PvArray? data, ImageShape shape)
    {
        if (data is not null && data.Count != shape.Elements)
        {
            throw new InvalidDataException($"the image holds {data.Count} elements but its shape {shape} needs {shape.Elements}");
        }

        _data = data;
        Shape = shape;
    }

    /// <summary>The geometry.</summary>
    public ImageShape Shape { get; }

    /// <summary>Width in pixels.</summary>
    public int Nx => Shape.Nx;

    /// <summary>Height in pixels.</summary>
    public int Ny => Shape.Ny;

    /// <summary>The colour mode.</summary>
    public NDColorMode ColorMode => Shape.ColorMode;

    /// <summary>Values per pixel (3 for RGB, else 1).</summary>
    public int Components => Shape.Components;

    /// <summary>The element type.</summary>
    public ScalarType ElementType => ScalarTypes.Of<T>();

    /// <summary>True for an empty frame (no dimensions).</summary>
    public bool IsEmpty => Shape.IsEmpty;

    /// <summary>The frame's array (owned by the frame value; <see cref="PvArray.Retain"/> it to keep it longer).</summary>
    public PvArray Array => _data ?? PvArray.Empty(ElementType);

    /// <summary>True when the array is held by the frame value alone, so the <c>GetWritable…</c> accessors work.</summary>
    public bool IsWritable => _data is { IsExclusive: true };

    /// <summary>All elements, in the layout's order.</summary>
    public ReadOnlySpan<T> Pixels => _data is null ? [] : _data.AsSpan<T>();

    /// <summary>All elements, writable (throws while the array is shared).</summary>
    public Span<T> GetWritablePixels() => _data is null ? [] : _data.GetWritableSpan<T>();

    /// <summary>Component 0 of pixel (x, y): the value of a mono pixel, the red of an RGB one.</summary>
    public T this[int x, int y] => Pixels[IndexOf(x, y, 0)];

    /// <summary>Colour <paramref name="component"/> (0 red, 1 green, 2 blue; 0 for mono) of pixel (x, y).</summary>
    public T this[int x, int y, int component] => Pixels[IndexOf(x, y, component)];

    /// <summary>Where colour <paramref name="component"/> of pixel (x, y) is in <see cref="Pixels"/>.</summary>
    public int IndexOf(int x, int y, int component = 0)
    {
        CheckPixel(x, y, component);
        return ColorMode switch
        {
            NDColorMode.RGB1 => (((y * Nx) + x) * 3) + component,
            NDColorMode.RGB2 => (((y * 3) + component) * Nx) + x,
            NDColorMode.RGB3 => (((component * Ny) + y) * Nx) + x,
            _ => (y * Nx) + x,
        };
    }

    /// <summary>
    /// Image row <paramref name="y"/> as stored: nx values for mono; 3·nx for RGB1 (r, g, b per pixel) and RGB2 (the red,
    /// green, then blue row). RGB3 keeps a row's colours in separate planes: use <see cref="Row(int, int)"/>.
    /// </summary>
    public ReadOnlySpan<T> Row(int y) => Slice(RowRange(y));

    /// <summary>Image row <paramref name="y"/>, writable (throws while the array is shared).</summary>
    public Span<T> GetWritableRow(int y) => WritableSlice(RowRange(y));

    /// <summary>
    /// The nx values of colour <paramref name="component"/> in row <paramref name="y"/> (mono: component 0, the row).
    /// RGB1 interleaves a row's colours: use <see cref="Row(int)"/>, <see cref="Pixel"/> or the indexer.
    /// </summary>
    public ReadOnlySpan<T> Row(int y, int component) => Slice(ComponentRowRange(y, component));

    /// <summary>One colour's row, writable (throws while the array is shared).</summary>
    public Span<T> GetWritableRow(int y, int component) => WritableSlice(ComponentRowRange(y, component));

    /// <summary>
    /// The values of pixel (x, y): one for mono, (r, g, b) for RGB1. RGB2 and RGB3 do not keep a pixel's colours
    /// together: use the indexer.
    /// </summary>
    public ReadOnlySpan<T> Pixel(int x, int y) => Slice(PixelRange(x, y));

    /// <summary>The values of pixel (x, y), writable (throws while the array is shared).</summary>
    public Span<T> GetWritablePixel(int x, int y) => WritableSlice(PixelRange(x, y));

    /// <summary>
    /// The nx·ny values of colour <paramref name="component"/>: RGB3's planes, or the whole image for mono (component 0).
    /// </summary>
    public ReadOnlySpan<T> Plane(int component) => Slice(PlaneRange(component));

    /// <summary>One colour plane, writable (throws while the array is shared).</summary>
    public Span<T> GetWritablePlane(int component) => WritableSlice(PlaneRange(component));

    /// <inheritdoc />
    public override string ToString() => $"{typeof(T).Name} image {Shape}";

    private ReadOnlySpan<T> Slice((int Start, int Length) range) => Pixels.Slice(range.Start, range.Length);

    private Span<T> WritableSlice((int Start, int Length) range) => GetWritablePixels().Slice(range.Start, range.Length);

    private (int Start, int Length) RowRange(int y)
    {
        CheckPixel(0, y, 0);
        return ColorMode switch
        {
            NDColorMode.RGB1 or NDColorMode.RGB2 => (y * Nx * 3, Nx * 3),
            NDColorMode.RGB3 => throw new InvalidOperationException("RGB3 keeps each colour in its own plane; use Row(y, component)"),
            _ => (y * Nx, Nx),
        };
    }

    private (int Start, int Length) ComponentRowRange(int y, int component)
    {
        CheckPixel(0, y, component);
        return ColorMode switch
        {
            NDColorMode.RGB1 => throw new InvalidOperationException("RGB1 interleaves the colours of each pixel; use Row(y) or Pixel(x, y)"),
            NDColorMode.RGB2 => (((y * 3) + component) * Nx, Nx),
            NDColorMode.RGB3 => (((component * Ny) + y) * Nx, Nx),
            _ => (y * Nx, Nx),
        };
    }

    private (int Start, int Length) PixelRange(int x, int y)
    {
        CheckPixel(x, y, 0);
        return ColorMode switch
        {
            NDColorMode.RGB1 => (((y * Nx) + x) * 3, 3),
            NDColorMode.RGB2 or NDColorMode.RGB3 =>
                throw new InvalidOperationException($"{ColorMode} does not keep a pixel's colours together; use image[x, y, component]"),
            _ => ((y * Nx) + x, 1),
        };
    }

    private (int Start, int Length) PlaneRange(int component)
    {
        CheckComponent(component);
        return ColorMode switch
        {
            NDColorMode.RGB3 => (component * Nx * Ny, Nx * Ny),
            NDColorMode.RGB1 or NDColorMode.RGB2 =>
                throw new InvalidOperationException($"{ColorMode} has no colour planes; use Row or the indexer"),
            _ => (0, Nx * Ny),
        };
    }

    private void CheckPixel(int x, int y, int component)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)x, (uint)Nx, nameof(x));
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)y, (uint)Ny, nameof(y));
        CheckComponent(component);
    }

    private void CheckComponent(int component) =>
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)component, (uint)Components, nameof(component));
}
