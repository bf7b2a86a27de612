using Epics.Pva.Data;

namespace Epics.Pva.Protocol;

/// <summary>
/// How the transport applies a pvRequest's field mask (from <see cref="PvRequestSelection"/>) when writing values.
/// </summary>
internal static class FieldMask
{
    /// <summary>
    /// The bits whose whole subtree is selected: a partly selected structure must not be marked on the wire, since a
    /// marked structure means "all of it follows".
    /// </summary>
    public static BitSet ForWriting(BitSet mask, PvType type)
    {
        var result = BitSet.WithCapacity(type.BitCount);
        for (var bit = mask.NextSetBit(0); bit >= 0 && bit < type.BitCount; bit = mask.NextSetBit(bit + 1))
        {
            var width = type.TypeAt(bit).BitCount;
            if (width == 1 || Covered(mask, bit, width))
            {
                result.Set(bit);
            }
        }

        return result;
    }

    private static bool Covered(BitSet mask, int from, int width)
    {
        for (var b = from; b < from + width; b++)
        {
            if (!mask.Get(b))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// <paramref name="changed"/> with every marked structure expanded to its whole subtree, intersected with
    /// <paramref name="mask"/>, into <paramref name="into"/>.
    /// </summary>
    public static void SelectChanged(PvType type, BitSet changed, BitSet mask, BitSet into)
    {
        into.Clear();
        for (var bit = changed.NextSetBit(0); bit >= 0 && bit < type.BitCount;)
        {
            var width = type.TypeAt(bit).BitCount;
            into.SetRange(bit, bit + width);
            bit = changed.NextSetBit(bit + width);
        }

        into.And(mask);
    }
}
