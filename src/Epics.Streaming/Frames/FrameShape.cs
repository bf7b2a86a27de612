using Epics.Pva.Data;

namespace Epics.Streaming.Frames;

/// <summary>The geometry and element type of a frame (framework.md §11.1).</summary>
internal sealed record FrameShape(int Nx, int Ny, int ColorMode, ScalarType ElementType)
{
    public int Components => ColorMode == 0 ? 1 : 3;

    public int Elements => checked(Nx * Ny * Components);

    public int ByteLength => checked(Elements * ElementType.ElementSize());

    /// <summary>NTNDArray dimension sizes, x first: mono [nx,ny]; RGB1 [3,nx,ny]; RGB2 [nx,3,ny]; RGB3 [nx,ny,3].</summary>
    public int[] Dimensions => ColorMode switch
    {
        2 => [3, Nx, Ny],
        3 => [Nx, 3, Ny],
        4 => [Nx, Ny, 3],
        _ => [Nx, Ny],
    };

    public static string ColorModeName(int colorMode) => colorMode switch
    {
        2 => "RGB1",
        3 => "RGB2",
        4 => "RGB3",
        _ => "MONO",
    };
}
