using Epics.Pva.Data;

namespace Epics.Pva.Benchmarks;

/// <summary>One NTNDArray frame shape for the codec benchmarks.</summary>
/// <param name="Width">Image width (x).</param>
/// <param name="Height">Image height (y).</param>
/// <param name="Type">Element type.</param>
/// <param name="BigEndian">Wire byte order; on a little-endian host, big-endian multi-byte elements are byte-swapped.</param>
public sealed record FrameCase(int Width, int Height, ScalarType Type, bool BigEndian)
{
    /// <summary>The image bytes (what GB/s is computed from).</summary>
    public long ImageBytes => (long)Width * Height * Type.ElementSize();

    /// <inheritdoc />
    public override string ToString()
    {
        var order = Type.ElementSize() == 1 ? string.Empty : BigEndian == BitConverter.IsLittleEndian ? " swap" : " native";
        return $"{Width}x{Height} {Type.TypeName()}{order}";
    }
}
