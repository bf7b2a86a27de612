namespace Epics.Ca;

/// <summary>Facts about <see cref="DbrType"/> values and conversions between families.</summary>
public static class DbrTypes
{
    /// <summary>True for the types 0–34 (a plain value type in one of the five families).</summary>
    public static bool IsValueFamily(this DbrType type) => (ushort)type <= (ushort)DbrType.CtrlDouble;

    /// <summary>The plain value type (DBR_STRING…DBR_DOUBLE) of a family type; CLASS_NAME and STSACK give String.</summary>
    public static DbrType ValueType(this DbrType type) => type.IsValueFamily()
        ? (DbrType)((ushort)type % 7)
        : type is DbrType.PutAckt or DbrType.PutAcks ? DbrType.Short : DbrType.String;

    /// <summary>The family of a type 0–34.</summary>
    public static DbrFamily Family(this DbrType type) => type.IsValueFamily()
        ? (DbrFamily)((ushort)type / 7)
        : throw new ArgumentOutOfRangeException(nameof(type), type, "not a value-family DBR type");

    /// <summary>The type of <paramref name="family"/> carrying <paramref name="type"/>'s value type.</summary>
    public static DbrType InFamily(this DbrType type, DbrFamily family) =>
        (DbrType)((ushort)type.ValueType() + (7 * (int)family));

    /// <summary>DBR_TIME_x for a native type x (what monitors and gets use by default).</summary>
    public static DbrType Time(this DbrType type) => type.InFamily(DbrFamily.Time);

    /// <summary>DBR_CTRL_x for a native type x.</summary>
    public static DbrType Control(this DbrType type) => type.InFamily(DbrFamily.Control);

    /// <summary>The C name as tools print it (<c>DBR_TIME_DOUBLE</c>, <c>DBF_DOUBLE</c> with <paramref name="asField"/>).</summary>
    public static string CName(this DbrType type, bool asField = false)
    {
        string[] values = ["STRING", "SHORT", "FLOAT", "ENUM", "CHAR", "LONG", "DOUBLE"];
        string[] families = ["", "STS_", "TIME_", "GR_", "CTRL_"];
        if (type.IsValueFamily())
        {
            var v = (ushort)type;
            return (asField ? "DBF_" : "DBR_") + families[v / 7] + values[v % 7];
        }

        return type switch
        {
            DbrType.PutAckt => "DBR_PUT_ACKT",
            DbrType.PutAcks => "DBR_PUT_ACKS",
            DbrType.StsackString => "DBR_STSACK_STRING",
            DbrType.ClassName => "DBR_CLASS_NAME",
            _ => $"DBR_{(ushort)type}",
        };
    }

    /// <summary>Parses <c>DBR_TIME_DOUBLE</c>, <c>TIME_DOUBLE</c>, <c>DBF_LONG</c> or a number (as caget -d accepts).</summary>
    public static bool TryParse(string text, out DbrType type)
    {
        var t = text.Trim().ToUpperInvariant();
        if (ushort.TryParse(t, out var code) && code <= (ushort)DbrType.ClassName)
        {
            type = (DbrType)code;
            return true;
        }

        if (!t.StartsWith("DBR_", StringComparison.Ordinal) && !t.StartsWith("DBF_", StringComparison.Ordinal))
        {
            t = "DBR_" + t;
        }

        t = "DBR_" + t[4..].Replace("INT", "SHORT", StringComparison.Ordinal);
        for (ushort i = 0; i <= (ushort)DbrType.ClassName; i++)
        {
            if (((DbrType)i).CName() == t)
            {
                type = (DbrType)i;
                return true;
            }
        }

        type = default;
        return false;
    }
}
