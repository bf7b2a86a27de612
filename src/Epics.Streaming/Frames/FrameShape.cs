using Epics.Pva.Data;

namespace Epics.Streaming.Frames;

/// <summary>The geometry and element type of a frame (framework.md §11.1).</summary>
/// <param name="Nx">Width in pixels.</param>
/// <param name="Ny">Height in pixels.</param>
/// <param name="ColorMode">0 mono, 2 RGB1, 3 RGB2, 4 RGB3.</param>
/// <param name="ElementType">The element type of the (uncompressed) frame.</param>
public sealed record FrameShape(int Nx, int Ny, int ColorMode, ScalarType ElementType)
{
    /// <summary>Values per pixel: 1 for mono, 3 for RGB.</summary>
    public int Components => ColorMode == 0 ? 1 : 3;

    /// <summary>Elements of the frame.</summary>
    public int Elements => checked(Nx * Ny * Components);

    /// <summary>Bytes of the uncompressed frame.</summary>
    public int ByteLength => checked(Elements * ElementType.ElementSize());

    /// <summary>NTNDArray dimension sizes, x first: mono [nx,ny]; RGB1 [3,nx,ny]; RGB2 [nx,3,ny]; RGB3 [nx,ny,3].</summary>
    public int[] Dimensions => ColorMode switch
    {
        2 => [3, Nx, Ny],
        3 => [Nx, 3, Ny],
        4 => [Nx, Ny, 3],
        _ => [Nx, Ny],
    };

    /// <summary>The areaDetector name of a colour mode (MONO, RGB1, RGB2, RGB3).</summary>
    public static string ColorModeName(int colorMode) => colorMode switch
    {
        2 => "RGB1",
        3 => "RGB2",
        4 => "RGB3",
        _ => "MONO",
    };
}
