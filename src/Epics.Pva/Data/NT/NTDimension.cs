using Epics.Pva.Data.NT.Internal;

namespace Epics.Pva.Data.NT;

/// <summary>One NTNDArray <c>dimension_t</c> element.</summary>
/// <param name="Size">Number of elements along this axis.</param>
/// <param name="Offset">Offset of the region in the full axis.</param>
/// <param name="FullSize">Size of the full (unbinned, uncropped) axis; defaults to <paramref name="Size"/>.</param>
/// <param name="Binning">Binning factor.</param>
/// <param name="Reverse">True when the axis is reversed.</param>
public readonly record struct NTDimension(int Size, int Offset = 0, int FullSize = -1, int Binning = 1, bool Reverse = false)
{
    /// <summary>The full size, <see cref="Size"/> when not given.</summary>
    public int FullSize { get; init; } = FullSize < 0 ? Size : FullSize;

    /// <summary>Reads a dimension structure by field name.</summary>
    public static NTDimension Read(PvField d) => new(
        NTFields.GetInt32(d, "size"),
        NTFields.GetInt32(d, "offset"),
        NTFields.GetInt32(d, "fullSize"),
        NTFields.GetInt32(d, "binning"),
        d.TryGetField("reverse", out var r) && r.Type.Kind == TypeKind.Scalar && r.GetBoolean());

    /// <summary>Writes into a dimension structure.</summary>
    public void WriteTo(PvField d)
    {
        NTFields.TrySet(d, "size", Size);
        NTFields.TrySet(d, "offset", Offset);
        NTFields.TrySet(d, "fullSize", FullSize);
        NTFields.TrySet(d, "binning", Binning);
        if (d.TryGetField("reverse", out var r) && r.Type.Kind == TypeKind.Scalar)
        {
            r.Set(Reverse);
        }
    }
}
