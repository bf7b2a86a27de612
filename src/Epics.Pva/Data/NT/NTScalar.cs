using System.Collections.Concurrent;
using Epics.Pva.Data.NT.Internal;

namespace Epics.Pva.Data.NT;

/// <summary>
/// An <c>epics:nt/NTScalar:1.0</c> value: build one with <see cref="Create"/>, or wrap a received value to read it.
/// Fields are looked up by name, so values from any producer (QSRV1/2, pvxs, pvaPy) work.
/// </summary>
public readonly struct NTScalar
{
    /// <summary>The type ID.</summary>
    public const string Id = "epics:nt/NTScalar:1.0";

    private static readonly ConcurrentDictionary<(ScalarType, NTOptionalFields), PvType> Types = new();

    /// <summary>Wraps <paramref name="structure"/>, which must have a scalar <c>value</c> field.</summary>
    public NTScalar(PvValue structure)
    {
        if (!structure.TryGetField("value", out var v) || v.Type.Kind != TypeKind.Scalar)
        {
            throw new ArgumentException($"{structure.Type.DisplayId} has no scalar 'value' field", nameof(structure));
        }

        Structure = structure;
    }

    /// <summary>The wrapped value.</summary>
    public PvValue Structure { get; }

    /// <summary>The <c>value</c> field.</summary>
    public PvField ValueField => Structure["value"];

    /// <summary>The value converted to double (set converts to the field type).</summary>
    public double Value
    {
        get => ValueField.GetDouble();
        set => ValueField.Set(value);
    }

    /// <summary>The alarm (no alarm when the structure has none).</summary>
    public PvAlarm Alarm
    {
        get => NTFields.ReadAlarm(Structure);
        set => NTFields.WriteAlarm(Structure, value);
    }

    /// <summary>The time stamp (zero when the structure has none).</summary>
    public PvTimeStamp TimeStamp
    {
        get => NTFields.ReadTimeStamp(Structure, "timeStamp");
        set => NTFields.WriteTimeStamp(Structure, "timeStamp", value);
    }

    /// <summary>The descriptor ("" when absent).</summary>
    public string Descriptor
    {
        get => NTFields.GetString(Structure.Root, "descriptor");
        set => NTFields.Require(Structure, "descriptor").Set(value);
    }

    /// <summary>The display information, or null when the structure has none.</summary>
    public PvDisplay? Display
    {
        get => NTFields.ReadDisplay(Structure);
        set => NTFields.WriteDisplay(Structure, value);
    }

    /// <summary>The control limits, or null when the structure has none.</summary>
    public PvControl? Control
    {
        get => NTFields.ReadControl(Structure);
        set => NTFields.WriteControl(Structure, value);
    }

    /// <summary>
    /// The NTScalar type normativeTypesCPP builds: value, [descriptor], [alarm], [timeStamp], [display (pvDataCPP
    /// display_t)], [control]. Types are cached.
    /// </summary>
    public static PvType TypeFor(ScalarType valueType, NTOptionalFields fields = NTOptionalFields.Alarm | NTOptionalFields.TimeStamp) =>
        Types.GetOrAdd((valueType, fields), static k => NTBuild.Standard(Id, PvType.Scalar(k.Item1), k.Item2));

    /// <summary>
    /// A new NTScalar with alarm and timeStamp, plus descriptor/display/control when asked for (display and control are
    /// included when given).
    /// </summary>
    public static NTScalar Create(
        ScalarType valueType, PvDisplay? display = null, PvControl? control = null, bool descriptor = false)
    {
        var extra = descriptor ? NTOptionalFields.Descriptor : NTOptionalFields.None;
        return new(NTBuild.NewWithLimits(f => TypeFor(valueType, f), display, control, extra));
    }

    /// <summary>True when <paramref name="type"/> carries the NTScalar ID (any minor version).</summary>
    public static bool Is(PvType type) => type.Id.StartsWith("epics:nt/NTScalar:1.", StringComparison.Ordinal);

    /// <inheritdoc />
    public override string ToString() => PvFormatter.FormatNT(Structure);
}
