namespace Epics.Pva.Data;

/// <summary>The pvData scalar types. Each value is the type code byte used on the wire (pva-protocol §3.1).</summary>
public enum ScalarType : byte
{
    /// <summary>boolean, one byte.</summary>
    Boolean = 0x00,
    /// <summary>byte (int8).</summary>
    Byte = 0x20,
    /// <summary>short (int16).</summary>
    Short = 0x21,
    /// <summary>int (int32).</summary>
    Int = 0x22,
    /// <summary>long (int64).</summary>
    Long = 0x23,
    /// <summary>ubyte (uint8).</summary>
    UByte = 0x24,
    /// <summary>ushort (uint16).</summary>
    UShort = 0x25,
    /// <summary>uint (uint32).</summary>
    UInt = 0x26,
    /// <summary>ulong (uint64).</summary>
    ULong = 0x27,
    /// <summary>float (IEEE-754 single).</summary>
    Float = 0x42,
    /// <summary>double (IEEE-754 double).</summary>
    Double = 0x43,
    /// <summary>UTF-8 string.</summary>
    String = 0x60,
}

/// <summary>Facts about <see cref="ScalarType"/> values.</summary>
public static class ScalarTypes
{
    /// <summary>Size in bytes of one element on the wire (0 for string).</summary>
    public static int ElementSize(this ScalarType type) => type switch
    {
        ScalarType.Boolean or ScalarType.Byte or ScalarType.UByte => 1,
        ScalarType.Short or ScalarType.UShort => 2,
        ScalarType.Int or ScalarType.UInt or ScalarType.Float => 4,
        ScalarType.Long or ScalarType.ULong or ScalarType.Double => 8,
        _ => 0,
    };

    /// <summary>True for the integer types (signed and unsigned).</summary>
    public static bool IsInteger(this ScalarType type) => ((byte)type & 0xE0) == 0x20;

    /// <summary>True for the unsigned integer types.</summary>
    public static bool IsUnsigned(this ScalarType type) => type is ScalarType.UByte or ScalarType.UShort or ScalarType.UInt or ScalarType.ULong;

    /// <summary>True for float and double.</summary>
    public static bool IsFloatingPoint(this ScalarType type) => type is ScalarType.Float or ScalarType.Double;

    /// <summary>True for every type but string and boolean.</summary>
    public static bool IsNumeric(this ScalarType type) => type.IsInteger() || type.IsFloatingPoint();

    /// <summary>The name pvData uses in text (<c>double</c>, <c>ubyte</c>, ...).</summary>
    public static string TypeName(this ScalarType type) => type switch
    {
        ScalarType.Boolean => "boolean",
        ScalarType.Byte => "byte",
        ScalarType.Short => "short",
        ScalarType.Int => "int",
        ScalarType.Long => "long",
        ScalarType.UByte => "ubyte",
        ScalarType.UShort => "ushort",
        ScalarType.UInt => "uint",
        ScalarType.ULong => "ulong",
        ScalarType.Float => "float",
        ScalarType.Double => "double",
        ScalarType.String => "string",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>Parses a pvData type name (<c>double</c>, <c>uint8</c>, <c>float64</c> and the C names are accepted).</summary>
    public static bool TryParse(string name, out ScalarType type)
    {
        switch (name.Trim().ToLowerInvariant())
        {
            case "boolean" or "bool": type = ScalarType.Boolean; return true;
            case "byte" or "int8" or "char": type = ScalarType.Byte; return true;
            case "short" or "int16": type = ScalarType.Short; return true;
            case "int" or "int32": type = ScalarType.Int; return true;
            case "long" or "int64": type = ScalarType.Long; return true;
            case "ubyte" or "uint8": type = ScalarType.UByte; return true;
            case "ushort" or "uint16": type = ScalarType.UShort; return true;
            case "uint" or "uint32": type = ScalarType.UInt; return true;
            case "ulong" or "uint64": type = ScalarType.ULong; return true;
            case "float" or "float32": type = ScalarType.Float; return true;
            case "double" or "float64": type = ScalarType.Double; return true;
            case "string" or "str": type = ScalarType.String; return true;
            default: type = default; return false;
        }
    }

    /// <summary>Whether a wire code byte (with the array bits cleared) names a valid scalar.</summary>
    internal static bool IsValidCode(byte code) => code is 0x00 or (>= 0x20 and <= 0x27) or 0x42 or 0x43 or 0x60;

    /// <summary>The CLR element type used to hold arrays of this scalar type.</summary>
    public static Type ClrType(this ScalarType type) => type switch
    {
        ScalarType.Boolean => typeof(bool),
        ScalarType.Byte => typeof(sbyte),
        ScalarType.Short => typeof(short),
        ScalarType.Int => typeof(int),
        ScalarType.Long => typeof(long),
        ScalarType.UByte => typeof(byte),
        ScalarType.UShort => typeof(ushort),
        ScalarType.UInt => typeof(uint),
        ScalarType.ULong => typeof(ulong),
        ScalarType.Float => typeof(float),
        ScalarType.Double => typeof(double),
        _ => typeof(string),
    };

    /// <summary>The scalar type whose arrays hold CLR elements of type <typeparamref name="T"/>.</summary>
    public static ScalarType Of<T>()
    {
        if (typeof(T) == typeof(bool)) return ScalarType.Boolean;
        if (typeof(T) == typeof(sbyte)) return ScalarType.Byte;
        if (typeof(T) == typeof(short)) return ScalarType.Short;
        if (typeof(T) == typeof(int)) return ScalarType.Int;
        if (typeof(T) == typeof(long)) return ScalarType.Long;
        if (typeof(T) == typeof(byte)) return ScalarType.UByte;
        if (typeof(T) == typeof(ushort)) return ScalarType.UShort;
        if (typeof(T) == typeof(uint)) return ScalarType.UInt;
        if (typeof(T) == typeof(ulong)) return ScalarType.ULong;
        if (typeof(T) == typeof(float)) return ScalarType.Float;
        if (typeof(T) == typeof(double)) return ScalarType.Double;
        if (typeof(T) == typeof(string)) return ScalarType.String;
        throw new NotSupportedException($"{typeof(T)} is not a pvData scalar type");
    }
}
