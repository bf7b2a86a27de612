using System.Buffers.Binary;
using Epics.Pva.Data;

namespace Epics.Streaming.Formats;

/// <summary>Swaps the elements of a big-endian array into host order.</summary>
internal static class ByteOrder
{
    public static void Swap(PvArray array)
    {
        switch (array.ElementType.ElementSize())
        {
            case 2:
                BinaryPrimitives.ReverseEndianness(array.GetWritableSpan<ushort>(), array.GetWritableSpan<ushort>());
                break;
            case 4:
                BinaryPrimitives.ReverseEndianness(array.GetWritableSpan<uint>(), array.GetWritableSpan<uint>());
                break;
            case 8:
                BinaryPrimitives.ReverseEndianness(array.GetWritableSpan<ulong>(), array.GetWritableSpan<ulong>());
                break;
        }
    }
}
