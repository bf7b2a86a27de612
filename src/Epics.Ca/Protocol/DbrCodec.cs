using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Epics.Ca.Server;
using Epics.Pva.Data;

namespace Epics.Ca.Protocol;

/// <summary>What a served double PV holds at one instant, as the encoder needs it.</summary>
internal readonly record struct DbrSource(double[] Values, CaAlarm Alarm, uint EpicsSeconds, uint Nanoseconds, CaPvMetadata Metadata,
    string ClassName);

/// <summary>Converts DBR payloads (big-endian) to pvData values and back (pva-protocol §11.5).</summary>
internal static class DbrCodec
{
    /// <summary>Decodes a READ_NOTIFY/EVENT_ADD payload. <paramref name="asArray"/> forces an array value.</summary>
    public static PvValue Decode(DbrType type, int count, ReadOnlySpan<byte> payload, bool asArray)
    {
        if (!DbrLayout.IsKnown((ushort)type) || type is DbrType.PutAckt or DbrType.PutAcks)
        {
            throw new CaProtocolException($"cannot decode DBR type {(ushort)type}");
        }

        var need = DbrLayout.PayloadSize(type, count);
        if (count < 0 || payload.Length < need)
        {
            throw new CaProtocolException($"{type.CName()} payload of {payload.Length} bytes is too short for {count} element(s)");
        }

        var valueType = type.ValueType();
        var family = type.IsValueFamily() ? type.Family() : DbrFamily.Plain;
        var value = new PvValue(CaValues.TypeFor(type, asArray || count != 1));
        var data = payload[DbrLayout.ValueOffset(type)..];

        if (valueType == DbrType.Enum && family >= DbrFamily.Graphic)
        {
            var states = Math.Clamp((int)BinaryPrimitives.ReadInt16BigEndian(payload[4..]), 0, DbrLayout.EnumStates);
            var choices = new string[states];
            for (var i = 0; i < states; i++)
            {
                choices[i] = ReadString(payload.Slice(6 + (i * DbrLayout.EnumStringSize), DbrLayout.EnumStringSize));
            }

            value["value.index"].Set(count > 0 ? BinaryPrimitives.ReadUInt16BigEndian(data) : 0);
            value["value.choices"].Set(choices);
        }
        else if (value["value"].Type.Kind == TypeKind.ScalarArray)
        {
            value["value"].SetArray(ReadArray(valueType, count, data));
        }
        else
        {
            SetScalar(value["value"], valueType, data);
        }

        if (family != DbrFamily.Plain || type == DbrType.StsackString)
        {
            var status = (CaAlarmStatus)BinaryPrimitives.ReadInt16BigEndian(payload);
            value["alarm.severity"].Set(BinaryPrimitives.ReadInt16BigEndian(payload[2..]));
            value["alarm.status"].Set(CaValues.PvaAlarmStatus(status));
            value["alarm.message"].Set(status == CaAlarmStatus.NoAlarm ? string.Empty : CaAlarm.StatusName(status));
        }

        if (family == DbrFamily.Time)
        {
            value["timeStamp.secondsPastEpoch"].Set(BinaryPrimitives.ReadUInt32BigEndian(payload[4..]) + CaValues.EpicsEpochOffset);
            value["timeStamp.nanoseconds"].Set((long)BinaryPrimitives.ReadUInt32BigEndian(payload[8..]));
        }

        if (family >= DbrFamily.Graphic && valueType is not (DbrType.String or DbrType.Enum))
        {
            var units = payload.Slice(DbrLayout.UnitsOffset(type), DbrLayout.UnitsSize);
            var size = DbrLayout.ElementSize(valueType);
            var limitsAt = DbrLayout.LimitsOffset(type);
            var limits = new double[family == DbrFamily.Control ? 8 : 6];
            for (var i = 0; i < limits.Length; i++)
            {
                limits[i] = ReadNumber(valueType, payload[(limitsAt + (i * size))..]);
            }

            value["display.units"].Set(ReadString(units));
            value["display.precision"].Set(DbrLayout.HasPrecision(type) ? BinaryPrimitives.ReadInt16BigEndian(payload[4..]) : 0);
            value["display.limitHigh"].Set(limits[0]);
            value["display.limitLow"].Set(limits[1]);
            value["valueAlarm.highAlarmLimit"].Set(limits[2]);
            value["valueAlarm.highWarningLimit"].Set(limits[3]);
            value["valueAlarm.lowWarningLimit"].Set(limits[4]);
            value["valueAlarm.lowAlarmLimit"].Set(limits[5]);
            if (family == DbrFamily.Control)
            {
                value["control.limitHigh"].Set(limits[6]);
                value["control.limitLow"].Set(limits[7]);
            }
        }

        value.Changed.Clear();
        value.MarkAllChanged();
        return value;
    }

    /// <summary>
    /// Encodes a served double PV as <paramref name="type"/> with <paramref name="count"/> elements (missing ones are
    /// zero), padded to 8 bytes. Returns null for types that cannot be produced (→ ECA_BADTYPE).
    /// </summary>
    public static byte[]? Encode(DbrType type, int count, in DbrSource source)
    {
        if (!DbrLayout.IsKnown((ushort)type) || type is DbrType.PutAckt or DbrType.PutAcks)
        {
            return null;
        }

        var valueType = type.ValueType();
        var family = type.IsValueFamily() ? type.Family() : DbrFamily.Plain;
        var meta = source.Metadata;
        var bytes = new byte[CaMessages.Pad8(DbrLayout.PayloadSize(type, count))];
        var span = bytes.AsSpan();
        if (family != DbrFamily.Plain || type == DbrType.StsackString)
        {
            BinaryPrimitives.WriteInt16BigEndian(span, (short)source.Alarm.Status);
            BinaryPrimitives.WriteInt16BigEndian(span[2..], (short)source.Alarm.Severity);
        }

        if (family == DbrFamily.Time)
        {
            BinaryPrimitives.WriteUInt32BigEndian(span[4..], source.EpicsSeconds);
            BinaryPrimitives.WriteUInt32BigEndian(span[8..], source.Nanoseconds);
        }

        if (family >= DbrFamily.Graphic && valueType is not (DbrType.String or DbrType.Enum))
        {
            if (DbrLayout.HasPrecision(type))
            {
                BinaryPrimitives.WriteInt16BigEndian(span[4..], meta.Precision);
            }

            WriteString(span.Slice(DbrLayout.UnitsOffset(type), DbrLayout.UnitsSize), meta.Units);
            var size = DbrLayout.ElementSize(valueType);
            double[] limits = [meta.DisplayHigh, meta.DisplayLow, meta.AlarmHigh, meta.WarningHigh, meta.WarningLow, meta.AlarmLow,
                meta.ControlHigh, meta.ControlLow];
            var n = family == DbrFamily.Control ? 8 : 6;
            for (var i = 0; i < n; i++)
            {
                WriteNumber(valueType, span[(DbrLayout.LimitsOffset(type) + (i * size))..], limits[i], meta.Precision);
            }
        }

        var data = span[DbrLayout.ValueOffset(type)..];
        if (type == DbrType.ClassName)
        {
            WriteString(data[..DbrLayout.StringSize], source.ClassName);
            return bytes;
        }

        var elementSize = DbrLayout.ElementSize(valueType);
        for (var i = 0; i < count && i < source.Values.Length; i++)
        {
            WriteNumber(valueType, data[(i * elementSize)..], source.Values[i], meta.Precision);
        }

        return bytes;
    }

    /// <summary>
    /// Reads the elements of a WRITE/WRITE_NOTIFY payload of a plain type as doubles. A string element may be cut short
    /// by the end of the payload (caput sends "4.25" in 8 bytes). Returns false for unsupported types or bad text.
    /// </summary>
    public static bool TryDecodeDoubles(DbrType type, int count, ReadOnlySpan<byte> payload, out double[] values)
    {
        values = [];
        if ((ushort)type > (ushort)DbrType.Double || count < 0)
        {
            return false;
        }

        var size = DbrLayout.ElementSize(type);
        var result = new double[count];
        for (var i = 0; i < count; i++)
        {
            var at = i * size;
            if (type == DbrType.String)
            {
                if (at >= payload.Length)
                {
                    return false;
                }

                var text = ReadString(payload.Slice(at, Math.Min(size, payload.Length - at)));
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out result[i]))
                {
                    return false;
                }
            }
            else
            {
                if (at + size > payload.Length)
                {
                    return false;
                }

                result[i] = ReadNumber(type, payload[at..]);
            }
        }

        values = result;
        return true;
    }

    /// <summary>Encodes a value for a client put: numbers, strings and arrays of them. Returns the DBR type and count.</summary>
    public static byte[] EncodePut(object value, out DbrType type, out int count)
    {
        switch (value)
        {
            case string s:
                type = DbrType.String;
                count = 1;
                return StringElements([s]);
            case string[] strings:
                type = DbrType.String;
                count = strings.Length;
                return StringElements(strings);
            case double[] or float[] or long[] or ulong[] or uint[]:
                return Numbers(DbrType.Double, ToDoubles((Array)value), out type, out count);
            case int[] or short[] or ushort[] or byte[] or sbyte[]:
                return Numbers(DbrType.Long, ToDoubles((Array)value), out type, out count);
            case PvArray array:
                return array.ElementType == ScalarType.String
                    ? EncodePut(array.Strings.ToArray(), out type, out count)
                    : Numbers(array.ElementType.IsFloatingPoint() || array.ElementType is ScalarType.Long or ScalarType.ULong or ScalarType.UInt
                        ? DbrType.Double : DbrType.Long, array.ToDoubleArray(), out type, out count);
            case bool b:
                return Numbers(DbrType.Long, [b ? 1 : 0], out type, out count);
            case int or short or ushort or byte or sbyte:
                return Numbers(DbrType.Long, [Convert.ToDouble(value, CultureInfo.InvariantCulture)], out type, out count);
            case IConvertible:
                return Numbers(DbrType.Double, [Convert.ToDouble(value, CultureInfo.InvariantCulture)], out type, out count);
            default:
                throw new ArgumentException($"cannot put a {value.GetType().Name} over Channel Access", nameof(value));
        }
    }

    public static string ReadString(ReadOnlySpan<byte> raw)
    {
        var nul = raw.IndexOf((byte)0);
        return Encoding.UTF8.GetString(nul >= 0 ? raw[..nul] : raw);
    }

    /// <summary>Writes NUL-terminated text, cut to fit (the last byte stays NUL).</summary>
    public static void WriteString(Span<byte> destination, string text)
    {
        destination.Clear();
        var bytes = Encoding.UTF8.GetBytes(text);
        bytes.AsSpan(0, Math.Min(bytes.Length, destination.Length - 1)).CopyTo(destination);
    }

    /// <summary>A double as DBR_STRING shows it: fixed point with the PV's precision.</summary>
    public static string FormatDouble(double value, int precision) =>
        double.IsFinite(value) && Math.Abs(value) < 1e15
            ? value.ToString("F" + Math.Clamp(precision, 0, 17).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)
            : value.ToString(CultureInfo.InvariantCulture);

    private static byte[] Numbers(DbrType elementType, double[] values, out DbrType type, out int count)
    {
        type = elementType;
        count = values.Length;
        var size = DbrLayout.ElementSize(elementType);
        var bytes = new byte[values.Length * size];
        for (var i = 0; i < values.Length; i++)
        {
            WriteNumber(elementType, bytes.AsSpan(i * size), values[i], 0);
        }

        return bytes;
    }

    private static double[] ToDoubles(Array array)
    {
        var result = new double[array.Length];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = Convert.ToDouble(array.GetValue(i), CultureInfo.InvariantCulture);
        }

        return result;
    }

    private static byte[] StringElements(string[] strings)
    {
        var bytes = new byte[strings.Length * DbrLayout.StringSize];
        for (var i = 0; i < strings.Length; i++)
        {
            WriteString(bytes.AsSpan(i * DbrLayout.StringSize, DbrLayout.StringSize), strings[i]);
        }

        return bytes;
    }

    private static double ReadNumber(DbrType valueType, ReadOnlySpan<byte> at) => valueType switch
    {
        DbrType.Short => BinaryPrimitives.ReadInt16BigEndian(at),
        DbrType.Enum => BinaryPrimitives.ReadUInt16BigEndian(at),
        DbrType.Float => BinaryPrimitives.ReadSingleBigEndian(at),
        DbrType.Char => at[0],
        DbrType.Long => BinaryPrimitives.ReadInt32BigEndian(at),
        DbrType.Double => BinaryPrimitives.ReadDoubleBigEndian(at),
        _ => double.TryParse(ReadString(at[..Math.Min(at.Length, DbrLayout.StringSize)]), NumberStyles.Float,
            CultureInfo.InvariantCulture, out var d) ? d : double.NaN,
    };

    // Out-of-range values saturate rather than wrap, so a double PV read as DBR_SHORT shows its nearest value.
    private static void WriteNumber(DbrType valueType, Span<byte> at, double v, int precision)
    {
        static double Clamp(double v, double lo, double hi) => double.IsNaN(v) ? 0 : Math.Clamp(v, lo, hi);
        switch (valueType)
        {
            case DbrType.Short: BinaryPrimitives.WriteInt16BigEndian(at, (short)Clamp(v, short.MinValue, short.MaxValue)); break;
            case DbrType.Enum: BinaryPrimitives.WriteUInt16BigEndian(at, (ushort)Clamp(v, 0, ushort.MaxValue)); break;
            case DbrType.Float: BinaryPrimitives.WriteSingleBigEndian(at, (float)v); break;
            case DbrType.Char: at[0] = (byte)Clamp(v, 0, byte.MaxValue); break;
            case DbrType.Long: BinaryPrimitives.WriteInt32BigEndian(at, (int)Clamp(v, int.MinValue, int.MaxValue)); break;
            case DbrType.Double: BinaryPrimitives.WriteDoubleBigEndian(at, v); break;
            default: WriteString(at[..DbrLayout.StringSize], FormatDouble(v, precision)); break;
        }
    }

    private static void SetScalar(PvField field, DbrType valueType, ReadOnlySpan<byte> data)
    {
        if (valueType == DbrType.String)
        {
            field.Set(ReadString(data[..DbrLayout.StringSize]));
        }
        else
        {
            field.Set(ReadNumber(valueType, data));
        }
    }

    private static PvArray ReadArray(DbrType valueType, int count, ReadOnlySpan<byte> data)
    {
        var array = PvArray.Allocate(CaValues.ScalarTypeOf(valueType), count);
        switch (valueType)
        {
            case DbrType.String:
                var strings = array.WritableStrings;
                for (var i = 0; i < count; i++)
                {
                    strings[i] = ReadString(data.Slice(i * DbrLayout.StringSize, DbrLayout.StringSize));
                }

                break;
            case DbrType.Char:
                data[..count].CopyTo(array.WritableBytes);
                break;
            case DbrType.Short:
                BinaryPrimitives.ReverseEndianness(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, short>(data[..(count * 2)]),
                    array.GetWritableSpan<short>());
                break;
            case DbrType.Enum:
                BinaryPrimitives.ReverseEndianness(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(data[..(count * 2)]),
                    array.GetWritableSpan<ushort>());
                break;
            case DbrType.Long:
                BinaryPrimitives.ReverseEndianness(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(data[..(count * 4)]),
                    array.GetWritableSpan<int>());
                break;
            case DbrType.Float:
                var floats = array.GetWritableSpan<float>();
                for (var i = 0; i < count; i++)
                {
                    floats[i] = BinaryPrimitives.ReadSingleBigEndian(data[(i * 4)..]);
                }

                break;
            default:
                var doubles = array.GetWritableSpan<double>();
                for (var i = 0; i < count; i++)
                {
                    doubles[i] = BinaryPrimitives.ReadDoubleBigEndian(data[(i * 8)..]);
                }

                break;
        }

        return array;
    }
}
