using System.Globalization;

namespace Epics.Pva.Data.NT;

/// <summary>
/// The geometry of an image: width <see cref="Nx"/>, height <see cref="Ny"/> and colour mode, which fixes how an
/// NTNDArray's dimensions (x first) are laid out: mono and Bayer [nx, ny]; RGB1 [3, nx, ny]; RGB2 [nx, 3, ny];
/// RGB3 [nx, ny, 3] (framework.md §2.5, §11.1). The default value is the empty image (no dimensions).
/// </summary>
public readonly record struct ImageShape
{
    /// <summary>An image of <paramref name="nx"/> by <paramref name="ny"/> pixels in <paramref name="colorMode"/>.</summary>
    /// <exception cref="ArgumentException">A negative size, or a YUV colour mode (not supported).</exception>
    public ImageShape(int nx, int ny, NDColorMode colorMode = NDColorMode.Mono)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(nx);
        ArgumentOutOfRangeException.ThrowIfNegative(ny);
        if (colorMode is not (NDColorMode.Mono or NDColorMode.Bayer or NDColorMode.RGB1 or NDColorMode.RGB2 or NDColorMode.RGB3))
        {
            throw new ArgumentException($"colour mode {colorMode} is not supported (use Mono, Bayer, RGB1, RGB2 or RGB3)", nameof(colorMode));
        }

        Nx = nx;
        Ny = ny;
        ColorMode = colorMode;
        _ = Elements; // overflow check
    }

    /// <summary>Width in pixels.</summary>
    public int Nx { get; }

    /// <summary>Height in pixels.</summary>
    public int Ny { get; }

    /// <summary>The colour mode.</summary>
    public NDColorMode ColorMode { get; }

    /// <summary>True for the RGB modes.</summary>
    public bool IsColor => ColorMode is NDColorMode.RGB1 or NDColorMode.RGB2 or NDColorMode.RGB3;

    /// <summary>Values per pixel: 3 for RGB, else 1.</summary>
    public int Components => IsColor ? 3 : 1;

    /// <summary>Number of array elements: nx × ny × components.</summary>
    public int Elements => checked(Nx * Ny * Components);

    /// <summary>True when the image has no pixels (an NTNDArray with no dimensions).</summary>
    public bool IsEmpty => Nx == 0 || Ny == 0;

    /// <summary>Number of NTNDArray dimensions: 0 for the empty (0x0) image, 3 for RGB, else 2.</summary>
    public int Rank => Nx == 0 && Ny == 0 ? 0 : IsColor ? 3 : 2;

    /// <summary>The dimension sizes, x first (a new array; see <see cref="GetDimensions"/> to fill a span).</summary>
    public int[] Dimensions
    {
        get
        {
            var sizes = new int[Rank];
            GetDimensions(sizes);
            return sizes;
        }
    }

    /// <summary>Writes the dimension sizes, x first, into <paramref name="sizes"/> and returns how many (<see cref="Rank"/>).</summary>
    public int GetDimensions(Span<int> sizes)
    {
        switch (Rank)
        {
            case 0:
                return 0;
            case 2:
                sizes[0] = Nx;
                sizes[1] = Ny;
                return 2;
        }

        var (a, b, c) = ColorMode switch
        {
            NDColorMode.RGB1 => (3, Nx, Ny),
            NDColorMode.RGB2 => (Nx, 3, Ny),
            _ => (Nx, Ny, 3),
        };
        sizes[0] = a;
        sizes[1] = b;
        sizes[2] = c;
        return 3;
    }

    /// <summary>
    /// The shape an NTNDArray with dimension <paramref name="sizes"/> (x first) and colour mode
    /// <paramref name="colorMode"/> (null when it has no ColorMode attribute) describes. No dimensions is the empty
    /// image; one dimension is a single row.
    /// </summary>
    /// <exception cref="InvalidDataException">The sizes and the colour mode do not fit together.</exception>
    public static ImageShape FromDimensions(ReadOnlySpan<int> sizes, NDColorMode? colorMode)
    {
        var mode = colorMode ?? NDColorMode.Mono;
        var rgb = mode is NDColorMode.RGB1 or NDColorMode.RGB2 or NDColorMode.RGB3;
        if (mode is not (NDColorMode.Mono or NDColorMode.Bayer) && !rgb)
        {
            throw new InvalidDataException($"colour mode {mode} is not supported (Mono, Bayer, RGB1, RGB2 and RGB3 are)");
        }

        foreach (var s in sizes)
        {
            if (s < 0)
            {
                throw new InvalidDataException($"negative dimension size in {Format(sizes)}");
            }
        }

        switch (sizes.Length)
        {
            case 0:
                return default;
            case 1 or 2 when !rgb:
                return new ImageShape(sizes[0], sizes.Length == 2 ? sizes[1] : 1, mode);
            case 1 or 2:
                throw new InvalidDataException($"ColorMode {mode} needs 3 dimensions; the image has {Format(sizes)}");
            case 3 when !rgb:
                throw new InvalidDataException(colorMode is null
                    ? $"the image has 3 dimensions {Format(sizes)} but no ColorMode attribute to say which one holds the colours"
                    : $"the image has 3 dimensions {Format(sizes)} but ColorMode {mode}; 3 dimensions need RGB1, RGB2 or RGB3");
            case 3:
                var colourAxis = mode - NDColorMode.RGB1;
                if (sizes[colourAxis] != 3)
                {
                    throw new InvalidDataException(
                        $"dimensions {Format(sizes)} do not fit ColorMode {mode}, which has its 3 colours in dimension {colourAxis}");
                }

                return mode switch
                {
                    NDColorMode.RGB1 => new ImageShape(sizes[1], sizes[2], mode),
                    NDColorMode.RGB2 => new ImageShape(sizes[0], sizes[2], mode),
                    _ => new ImageShape(sizes[0], sizes[1], mode),
                };
            default:
                throw new InvalidDataException($"an image has at most 3 dimensions; this one has {Format(sizes)}");
        }
    }

    /// <inheritdoc />
    public override string ToString() => IsColor
        ? string.Create(CultureInfo.InvariantCulture, $"{Nx}x{Ny} {ColorMode}")
        : string.Create(CultureInfo.InvariantCulture, $"{Nx}x{Ny}");

    private static string Format(ReadOnlySpan<int> sizes) => "[" + string.Join(", ", sizes.ToArray()) + "]";
}
