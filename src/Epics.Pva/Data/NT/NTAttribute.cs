using Epics.Pva.Data.NT.Internal;

namespace Epics.Pva.Data.NT;

/// <summary>
/// An <c>epics:nt/NTAttribute:1.0</c> element (an NTNDArray attribute): name, any value, descriptor, sourceType,
/// source, and depending on the producer tags, alarm and timeStamp.
/// </summary>
public readonly struct NTAttribute
{
    /// <summary>The type ID.</summary>
    public const string Id = "epics:nt/NTAttribute:1.0";

    /// <summary>Wraps <paramref name="structure"/>, which must have <c>name</c> and an any <c>value</c>.</summary>
    public NTAttribute(PvValue structure)
    {
        if (structure.Type["name"] is not { Kind: TypeKind.Scalar } || structure.Type["value"] is not { Kind: TypeKind.Variant })
        {
            throw new ArgumentException($"{structure.Type.DisplayId} is not an NTAttribute", nameof(structure));
        }

        Structure = structure;
    }

    /// <summary>The wrapped value.</summary>
    public PvValue Structure { get; }

    /// <summary>The attribute name.</summary>
    public string Name
    {
        get => Structure["name"].GetString();
        set => Structure["name"].Set(value);
    }

    /// <summary>The <c>value</c> field (an any; read its content with <see cref="PvField.Content"/> or the converting getters).</summary>
    public PvField ValueField => Structure["value"];

    /// <summary>The value as a CLR object (bool, int, double, string, ...), or null when empty.</summary>
    public object? Value => ValueField.Content is { } c && c.Type.Kind == TypeKind.Scalar ? c.Root.GetObject() : null;

    /// <summary>The descriptor.</summary>
    public string Descriptor
    {
        get => NTFields.GetString(Structure.Root, "descriptor");
        set => NTFields.Require(Structure, "descriptor").Set(value);
    }

    /// <summary>The source type: 0 driver, 1 asyn param, 2 EPICS PV, 3 function.</summary>
    public int SourceType
    {
        get => NTFields.GetInt32(Structure.Root, "sourceType");
        set => NTFields.Require(Structure, "sourceType").Set(value);
    }

    /// <summary>The source.</summary>
    public string Source
    {
        get => NTFields.GetString(Structure.Root, "source");
        set => NTFields.Require(Structure, "source").Set(value);
    }

    /// <summary>
    /// Stores a scalar (bool, any integer, float, double or string; its CLR type picks the pvData type) in the any;
    /// a value of the type already there is written in place.
    /// </summary>
    public void SetValue(object value)
    {
        var type = value switch
        {
            bool => ScalarType.Boolean,
            sbyte => ScalarType.Byte,
            short => ScalarType.Short,
            int => ScalarType.Int,
            long => ScalarType.Long,
            byte => ScalarType.UByte,
            ushort => ScalarType.UShort,
            uint => ScalarType.UInt,
            ulong => ScalarType.ULong,
            float => ScalarType.Float,
            double => ScalarType.Double,
            string => ScalarType.String,
            _ => throw new ArgumentException($"an attribute cannot hold a {value.GetType().Name}", nameof(value)),
        };
        if (ValueField.Content is { Type.Kind: TypeKind.Scalar } current && current.Type.ScalarType == type)
        {
            current.Root.SetObject(value);
            ValueField.MarkChanged();
            return;
        }

        var content = new PvValue(PvType.Scalar(type));
        content.Root.SetObject(value);
        ValueField.SetContent(content);
    }

    /// <summary>The stand-alone NTAttribute type of the spec: name, value, tags, descriptor, alarm, timeStamp.</summary>
    public static PvType StandaloneType { get; } = BuildType((NTTypes.Alarm, NTTypes.TimeStamp), withSource: false);

    /// <summary>The attribute element type a producer puts in NTNDArray.attribute.</summary>
    public static PvType TypeFor(NTNDArrayLayout layout) => layout switch
    {
        NTNDArrayLayout.PvaPy => PvaPyType,
        NTNDArrayLayout.Pvxs => PvxsType,
        _ => NormativeTypesType,
    };

    /// <summary>A new attribute of <paramref name="elementType"/> holding <paramref name="value"/>.</summary>
    public static NTAttribute Create(PvType elementType, string name, object value, string descriptor = "", int sourceType = 0, string source = "")
    {
        var a = new NTAttribute(new PvValue(elementType)) { Name = name };
        a.SetValue(value);
        NTFields.TrySet(a.Structure.Root, "descriptor", descriptor);
        NTFields.TrySet(a.Structure.Root, "sourceType", sourceType);
        NTFields.TrySet(a.Structure.Root, "source", source);
        return a;
    }

    private static readonly PvType NormativeTypesType = BuildType(tagged: null, withSource: true);
    private static readonly PvType PvaPyType =
        BuildType((NTTypes.AlarmWithId(string.Empty), NTTypes.TimeStampWithId(string.Empty)), withSource: true);
    private static readonly PvType PvxsType = BuildType((NTTypes.Alarm, NTTypes.TimeStamp), withSource: true);

    // Every layout keeps one field order; they differ only in whether tags, alarm and timeStamp (with which IDs) and
    // areaDetector's sourceType and source are present.
    private static PvType BuildType((PvType Alarm, PvType TimeStamp)? tagged, bool withSource)
    {
        var b = PvType.Builder(Id)
            .Add("name", ScalarType.String)
            .Add("value", PvType.Variant);
        if (tagged is not null)
        {
            b.AddArray("tags", ScalarType.String);
        }

        b.Add("descriptor", ScalarType.String);
        if (tagged is { } t)
        {
            b.Add("alarm", t.Alarm).Add("timeStamp", t.TimeStamp);
        }

        if (withSource)
        {
            b.Add("sourceType", ScalarType.Int).Add("source", ScalarType.String);
        }

        return b.Build();
    }
}
