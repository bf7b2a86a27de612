namespace Epics.Ca.Protocol;

/// <summary>Sizes and offsets of the DBR structures (db_access.h; pva-protocol §11.5). Every value comes last.</summary>
internal static class DbrLayout
{
    public const int StringSize = 40;
    public const int UnitsSize = 8;
    public const int EnumStringSize = 26;
    public const int EnumStates = 16;

    // sizeof(struct dbr_*) for one element, indexed by DBR type 0–38.
    private static readonly int[] Sizes =
    [
        40, 2, 4, 2, 1, 4, 8, // plain
        44, 6, 8, 6, 6, 8, 16, // STS
        52, 16, 16, 16, 16, 16, 24, // TIME
        44, 26, 44, 424, 20, 40, 72, // GR
        44, 30, 52, 424, 22, 48, 88, // CTRL
        2, 2, 48, 40, // PUT_ACKT, PUT_ACKS, STSACK_STRING, CLASS_NAME
    ];

    public static bool IsKnown(ushort type) => type < Sizes.Length;

    /// <summary>Size of one element of the value type (40 for strings).</summary>
    public static int ElementSize(DbrType valueType) => valueType switch
    {
        DbrType.String => StringSize,
        DbrType.Short or DbrType.Enum => 2,
        DbrType.Float or DbrType.Long => 4,
        DbrType.Char => 1,
        _ => 8,
    };

    /// <summary>sizeof the structure with one element.</summary>
    public static int Size(DbrType type) => Sizes[(ushort)type];

    /// <summary>Offset of the first value element.</summary>
    public static int ValueOffset(DbrType type) => Size(type) - ElementSize(type.ValueType());

    /// <summary>Unpadded payload size for <paramref name="count"/> elements.</summary>
    public static int PayloadSize(DbrType type, int count) =>
        ValueOffset(type) + (count * ElementSize(type.ValueType()));

    /// <summary>True for DBR_GR_FLOAT/DOUBLE and DBR_CTRL_FLOAT/DOUBLE, whose metadata starts with a precision.</summary>
    public static bool HasPrecision(DbrType type) => type.ValueType() is DbrType.Float or DbrType.Double;

    /// <summary>Offset of the units string in a numeric GR/CTRL structure.</summary>
    public static int UnitsOffset(DbrType type) => HasPrecision(type) ? 8 : 4;

    /// <summary>Offset of the first limit in a numeric GR/CTRL structure (6 limits for GR, 8 for CTRL).</summary>
    public static int LimitsOffset(DbrType type) => UnitsOffset(type) + UnitsSize;
}
