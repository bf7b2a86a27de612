using System.Collections.Concurrent;
using Epics.Pva.Data.NT.Internal;

namespace Epics.Pva.Data.NT;

/// <summary>An <c>epics:nt/NTScalarArray:1.0</c> value (see <see cref="NTScalar"/> for the conventions).</summary>
public readonly struct NTScalarArray
{
    /// <summary>The type ID.</summary>
    public const string Id = "epics:nt/NTScalarArray:1.0";

    private static readonly ConcurrentDictionary<(ScalarType, NTOptionalFields), PvType> Types = new();

    /// <summary>Wraps <paramref name="structure"/>, which must have a scalar array <c>value</c> field.</summary>
    public NTScalarArray(PvValue structure)
    {
        if (!structure.TryGetField("value", out var v) || v.Type.Kind != TypeKind.ScalarArray)
        {
            throw new ArgumentException($"{structure.Type.DisplayId} has no scalar array 'value' field", nameof(structure));
        }

        Structure = structure;
    }

    /// <summary>The wrapped value.</summary>
    public PvValue Structure { get; }

    /// <summary>The <c>value</c> field.</summary>
    public PvField ValueField => Structure["value"];

    /// <summary>The elements.</summary>
    public PvArray Value => ValueField.GetArray();

    /// <summary>Stores <paramref name="array"/> as the value (taking over the caller's reference; converted if needed).</summary>
    public void SetValue(PvArray array) => ValueField.SetArray(array);

    /// <summary>The alarm (no alarm when absent).</summary>
    public PvAlarm Alarm
    {
        get => NTFields.ReadAlarm(Structure);
        set => NTFields.WriteAlarm(Structure, value);
    }

    /// <summary>The time stamp (zero when absent).</summary>
    public PvTimeStamp TimeStamp
    {
        get => NTFields.ReadTimeStamp(Structure, "timeStamp");
        set => NTFields.WriteTimeStamp(Structure, "timeStamp", value);
    }

    /// <summary>The display information, or null when absent.</summary>
    public PvDisplay? Display
    {
        get => NTFields.ReadDisplay(Structure);
        set => NTFields.WriteDisplay(Structure, value);
    }

    /// <summary>The NTScalarArray type (normativeTypesCPP field order; cached).</summary>
    public static PvType TypeFor(ScalarType elementType, NTOptionalFields fields = NTOptionalFields.Alarm | NTOptionalFields.TimeStamp) =>
        Types.GetOrAdd((elementType, fields), static k => NTBuild.Standard(Id, PvType.Array(k.Item1), k.Item2));

    /// <summary>A new NTScalarArray with alarm and timeStamp, plus display/control when given.</summary>
    public static NTScalarArray Create(ScalarType elementType, PvDisplay? display = null, PvControl? control = null) =>
        new(NTBuild.NewWithLimits(f => TypeFor(elementType, f), display, control));

    /// <inheritdoc />
    public override string ToString() => PvFormatter.FormatNT(Structure);
}
