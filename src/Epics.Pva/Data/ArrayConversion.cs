using System.Globalization;
using System.Runtime.InteropServices;

namespace Epics.Pva.Data;

/// <summary>Element-type conversion of scalar arrays (a copy; used when a put sends another numeric type).</summary>
internal static class ArrayConversion
{
    public static PvArray Convert(PvArray source, ScalarType target)
    {
        var result = PvArray.Allocate(target, source.Count);
        if (target == ScalarType.String)
        {
            var dst = result.WritableStrings;
            for (var i = 0; i < source.Count; i++)
            {
                dst[i] = System.Convert.ToString(source.GetElement(i), CultureInfo.InvariantCulture) ?? string.Empty;
            }

            return result;
        }

        var bytes = result.WritableBytes;
        for (var i = 0; i < source.Count; i++)
        {
            var d = source.GetDouble(i);
            switch (target)
            {
                case ScalarType.Boolean: bytes[i] = d != 0 ? (byte)1 : (byte)0; break;
                case ScalarType.Byte: bytes[i] = unchecked((byte)(sbyte)d); break;
                case ScalarType.UByte: bytes[i] = unchecked((byte)d); break;
                case ScalarType.Short: MemoryMarshal.Cast<byte, short>(bytes)[i] = unchecked((short)d); break;
                case ScalarType.UShort: MemoryMarshal.Cast<byte, ushort>(bytes)[i] = unchecked((ushort)d); break;
                case ScalarType.Int: MemoryMarshal.Cast<byte, int>(bytes)[i] = unchecked((int)d); break;
                case ScalarType.UInt: MemoryMarshal.Cast<byte, uint>(bytes)[i] = unchecked((uint)d); break;
                case ScalarType.Long: MemoryMarshal.Cast<byte, long>(bytes)[i] = unchecked((long)d); break;
                case ScalarType.ULong: MemoryMarshal.Cast<byte, ulong>(bytes)[i] = unchecked((ulong)d); break;
                case ScalarType.Float: MemoryMarshal.Cast<byte, float>(bytes)[i] = (float)d; break;
                case ScalarType.Double: MemoryMarshal.Cast<byte, double>(bytes)[i] = d; break;
            }
        }

        return result;
    }
}
