using Epics.Pva.Data.NT.Internal;

namespace Epics.Pva.Data.NT;

/// <summary>An <c>epics:nt/NTEnum:1.0</c> value: <c>enum_t value {int index; string[] choices}</c>, alarm, timeStamp.</summary>
public readonly struct NTEnum
{
    /// <summary>The type ID.</summary>
    public const string Id = "epics:nt/NTEnum:1.0";

    /// <summary>Wraps <paramref name="structure"/>, which must have <c>value.index</c> and <c>value.choices</c>.</summary>
    public NTEnum(PvValue structure)
    {
        if (!IsEnum(structure.Type["value"]))
        {
            throw new ArgumentException($"{structure.Type.DisplayId} has no enum 'value' field", nameof(structure));
        }

        Structure = structure;
    }

    /// <summary>The wrapped value.</summary>
    public PvValue Structure { get; }

    /// <summary>The selected index.</summary>
    public int Index
    {
        get => Structure["value.index"].GetInt32();
        set => Structure["value.index"].Set(value);
    }

    /// <summary>The choices.</summary>
    public IReadOnlyList<string> Choices => Structure["value.choices"].GetArray().ToArray<string>();

    /// <summary>The selected choice, or null when the index is out of range.</summary>
    public string? Choice
    {
        get
        {
            var choices = Structure["value.choices"].GetArray().Strings;
            var i = Index;
            return i >= 0 && i < choices.Length ? choices[i] : null;
        }
    }

    /// <summary>Replaces the choices.</summary>
    public void SetChoices(params string[] choices) => Structure["value.choices"].Set(choices);

    /// <summary>Selects the choice called <paramref name="choice"/>, or throws <see cref="ArgumentException"/>.</summary>
    public void Select(string choice)
    {
        var choices = Structure["value.choices"].GetArray().Strings;
        var i = choices.IndexOf(choice);
        Index = i >= 0 ? i : throw new ArgumentException($"'{choice}' is not one of the choices", nameof(choice));
    }

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

    /// <summary>The NTEnum type: value (enum_t), [descriptor], [alarm], [timeStamp].</summary>
    public static PvType TypeFor(NTOptionalFields fields = NTOptionalFields.Alarm | NTOptionalFields.TimeStamp) =>
        NTBuild.Standard(Id, NTTypes.Enum, fields & ~(NTOptionalFields.Display | NTOptionalFields.Control));

    /// <summary>A new NTEnum with alarm and timeStamp holding <paramref name="choices"/>, index 0.</summary>
    public static NTEnum Create(params string[] choices)
    {
        var nt = new NTEnum(new PvValue(TypeFor()));
        nt.SetChoices(choices);
        return nt;
    }

    internal static bool IsEnum(PvType? type) =>
        type is { Kind: TypeKind.Structure } && type["index"] is { Kind: TypeKind.Scalar } &&
        type["choices"] is { Kind: TypeKind.ScalarArray, ScalarType: ScalarType.String };

    /// <inheritdoc />
    public override string ToString() => PvFormatter.FormatNT(Structure);
}
