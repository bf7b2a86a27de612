using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Epics.Pva.Data;

namespace Epics.Streaming.Formats;

/// <summary>Swaps the elements of a big-endian array into host order.</summary>
internal static class ByteOrder
{
    public static void Swap(PvArray array)
    {
        // Swapping depends on the element size only, so the bytes are viewed as unsigned integers of that size.
        var bytes = array.WritableBytes;
        switch (array.ElementType.ElementSize())
        {
            case 2:
                var u16 = MemoryMarshal.Cast<byte, ushort>(bytes);
                BinaryPrimitives.ReverseEndianness(u16, u16);
                break;
            case 4:
                var u32 = MemoryMarshal.Cast<byte, uint>(bytes);
                BinaryPrimitives.ReverseEndianness(u32, u32);
                break;
            case 8:
                var u64 = MemoryMarshal.Cast<byte, ulong>(bytes);
                BinaryPrimitives.ReverseEndianness(u64, u64);
                break;
        }
    }
}
