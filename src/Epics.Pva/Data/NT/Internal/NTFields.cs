namespace Epics.Pva.Data.NT.Internal;

// Name-based reads and writes shared by the NT accessors: producers order (and omit) fields differently (pva-protocol §9).
internal static class NTFields
{
    /// <summary>The <c>alarm</c> of a normative type (no alarm when it has none).</summary>
    public static PvAlarm ReadAlarm(PvValue structure) => structure.TryGetField("alarm", out var f) ? PvAlarm.Read(f) : PvAlarm.None;

    public static void WriteAlarm(PvValue structure, PvAlarm alarm) => alarm.WriteTo(Require(structure, "alarm"));

    /// <summary>A time_t field of a normative type (zero when it has none).</summary>
    public static PvTimeStamp ReadTimeStamp(PvValue structure, string name) => structure.TryGetField(name, out var f) ? PvTimeStamp.Read(f) : default;

    public static void WriteTimeStamp(PvValue structure, string name, PvTimeStamp stamp) => stamp.WriteTo(Require(structure, name));

    /// <summary>The <c>display</c> of a normative type (null when it has none).</summary>
    public static PvDisplay? ReadDisplay(PvValue structure) =>
        structure.TryGetField("display", out var f) && f.Type.Kind == TypeKind.Structure ? PvDisplay.Read(f) : null;

    public static void WriteDisplay(PvValue structure, PvDisplay? display) =>
        (display ?? new PvDisplay()).WriteTo(Require(structure, "display"));

    /// <summary>The <c>control</c> of a normative type (null when it has none).</summary>
    public static PvControl? ReadControl(PvValue structure) =>
        structure.TryGetField("control", out var f) && f.Type.Kind == TypeKind.Structure ? PvControl.Read(f) : null;

    public static void WriteControl(PvValue structure, PvControl? control) =>
        (control ?? new PvControl()).WriteTo(Require(structure, "control"));

    public static int GetInt32(PvField parent, string name) => IsScalar(parent, name, out var f) ? f.GetInt32() : 0;

    public static long GetInt64(PvField parent, string name) => IsScalar(parent, name, out var f) ? f.GetInt64() : 0;

    public static double GetDouble(PvField parent, string name) => IsScalar(parent, name, out var f) ? f.GetDouble() : 0;

    public static string GetString(PvField parent, string name) => IsScalar(parent, name, out var f) ? f.GetString() : string.Empty;

    public static void TrySet(PvField parent, string name, long value)
    {
        if (IsScalar(parent, name, out var f))
        {
            f.Set(value);
        }
    }

    public static void TrySet(PvField parent, string name, double value)
    {
        if (IsScalar(parent, name, out var f))
        {
            f.Set(value);
        }
    }

    public static void TrySet(PvField parent, string name, string value)
    {
        if (IsScalar(parent, name, out var f))
        {
            f.Set(value);
        }
    }

    /// <summary>The named field, or an exception naming the structure that lacks it.</summary>
    public static PvField Require(PvValue value, string name) => value.TryGetField(name, out var f)
        ? f
        : throw new InvalidOperationException($"{value.Type.DisplayId} has no field '{name}'");

    private static bool IsScalar(PvField parent, string name, out PvField field) =>
        parent.Exists && parent.TryGetField(name, out field) && field.Type.Kind == TypeKind.Scalar || Fail(out field);

    private static bool Fail(out PvField field)
    {
        field = default;
        return false;
    }
}
