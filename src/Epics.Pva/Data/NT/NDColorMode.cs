namespace Epics.Pva.Data.NT;

/// <summary>
/// The areaDetector colour modes (<c>NDColorMode_t</c>), as an NTNDArray carries them in its <c>ColorMode</c>
/// attribute. They say how the dimensions of an image are laid out (framework.md §2.5, §11.1).
/// </summary>
public enum NDColorMode
{
    /// <summary>One value per pixel; dimensions [nx, ny].</summary>
    Mono = 0,

    /// <summary>Raw Bayer-pattern values, one per pixel; dimensions [nx, ny].</summary>
    Bayer = 1,

    /// <summary>Pixel-interleaved RGB (r, g, b of each pixel together); dimensions [3, nx, ny].</summary>
    RGB1 = 2,

    /// <summary>Row-interleaved RGB (the red, green and blue rows of each image row); dimensions [nx, 3, ny].</summary>
    RGB2 = 3,

    /// <summary>Plane-interleaved RGB (a whole red image, then green, then blue); dimensions [nx, ny, 3].</summary>
    RGB3 = 4,

    /// <summary>YUV 4:4:4 (not supported by the image views).</summary>
    YUV444 = 5,

    /// <summary>YUV 4:2:2 (not supported by the image views).</summary>
    YUV422 = 6,

    /// <summary>YUV 4:1:1 (not supported by the image views).</summary>
    YUV411 = 7,
}
