using Epics.Pva.Client;
using Epics.Pva.Data;
using Epics.Pva.Data.NT;
using Epics.Streaming.Codecs;
using SkiaSharp;

namespace Pvstream.Web;

/// <summary>
/// Thumbnails of a channel's newest frame, made only when the page asks (a get of the channel, so the stages do no
/// extra work and a closed page costs nothing): scaled to fit a square, pixel values stretched between the frame's
/// minimum and maximum through a colour map, as PNG. A request within <see cref="Reuse"/> of the last for the same
/// channel and size gets the same image, which bounds the load however many pages are open.
/// </summary>
internal sealed class Thumbnails(PvaClient client)
{
    private static readonly TimeSpan Reuse = TimeSpan.FromMilliseconds(150);
    private readonly Lock _gate = new();
    private readonly Dictionary<(string, int), (DateTime Made, byte[] Png)> _recent = [];

    /// <summary>A PNG of at most <paramref name="size"/> pixels on its longer side; null when the value has no image.</summary>
    public async Task<byte[]?> MakeAsync(string channel, int size, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_recent.TryGetValue((channel, size), out var last) && DateTime.UtcNow - last.Made < Reuse)
            {
                return last.Png;
            }
        }

        using var value = await client.GetAsync(channel, cancellationToken: cancellationToken).ConfigureAwait(false);
        var png = Render(value, size);
        if (png is not null)
        {
            lock (_gate)
            {
                _recent[(channel, size)] = (DateTime.UtcNow, png);
            }
        }

        return png;
    }

    /// <summary>The image of an NTNDArray value; null when it has none (no dimensions yet).</summary>
    public static byte[]? Render(PvValue ntndarray, int size)
    {
        var shape = new NTNDArray(ntndarray).ImageShape;
        if (shape.IsEmpty)
        {
            return null;
        }

        using var pixels = NdArrayCodec.Decompress(ntndarray);
        if (pixels.Count < shape.Elements || pixels.ElementType == ScalarType.String)
        {
            return null;
        }

        var scale = Math.Min(1.0, (double)size / Math.Max(shape.Nx, shape.Ny));
        var width = Math.Max(1, (int)(shape.Nx * scale));
        var height = Math.Max(1, (int)(shape.Ny * scale));
        var values = new double[width * height];
        for (var y = 0; y < height; y++)
        {
            var sy = Math.Min(shape.Ny - 1, (int)(y / scale));
            for (var x = 0; x < width; x++)
            {
                var sx = Math.Min(shape.Nx - 1, (int)(x / scale));
                values[(y * width) + x] = pixels.GetDouble(ElementIndex(shape, sx, sy));
            }
        }

        var finite = values.Where(double.IsFinite).DefaultIfEmpty(0).ToArray();
        var min = finite.Min();
        var range = finite.Max() - min;
        using var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        for (var i = 0; i < values.Length; i++)
        {
            var t = range > 0 && double.IsFinite(values[i]) ? (values[i] - min) / range : 0;
            bitmap.SetPixel(i % width, i / width, ColourMap.At(t));
        }

        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 90);
        return data.ToArray();
    }

    // Mono: the pixel; colour: its first component, in the layout of the frame's colour mode.
    private static int ElementIndex(ImageShape shape, int x, int y) => shape.ColorMode switch
    {
        NDColorMode.RGB1 => ((y * shape.Nx) + x) * 3,
        NDColorMode.RGB2 => y * shape.Nx * 3 + x,
        NDColorMode.RGB3 => (y * shape.Nx) + x,
        _ => (y * shape.Nx) + x,
    };
}

/// <summary>A perceptually ordered colour map from dark blue through green to yellow, for values in [0, 1].</summary>
internal static class ColourMap
{
    private static readonly (double At, byte R, byte G, byte B)[] Stops =
    [
        (0.00, 68, 1, 84), (0.25, 59, 82, 139), (0.50, 33, 145, 140), (0.75, 94, 201, 98), (1.00, 253, 231, 37),
    ];

    public static SKColor At(double t)
    {
        t = Math.Clamp(t, 0, 1);
        var i = 1;
        while (i < Stops.Length - 1 && Stops[i].At < t)
        {
            i++;
        }

        var (a, b) = (Stops[i - 1], Stops[i]);
        var f = (t - a.At) / (b.At - a.At);
        return new SKColor(Mix(a.R, b.R, f), Mix(a.G, b.G, f), Mix(a.B, b.B, f));
    }

    private static byte Mix(byte from, byte to, double f) => (byte)Math.Round(from + ((to - from) * f));
}
