using Epics.Pva.Data.NT.Internal;

namespace Epics.Pva.Data.NT;

/// <summary>
/// An <c>epics:nt/NTNDArray:1.0</c> image. Wrap a received value to read it, or <see cref="Create"/> one and reuse it
/// frame after frame: setting the image, uniqueId, time stamps, dimensions or attributes changes only those fields
/// (and marks them changed), never the type. All access is by field name, so any producer's layout works.
/// </summary>
public sealed class NTNDArray
{
    /// <summary>The type ID.</summary>
    public const string Id = "epics:nt/NTNDArray:1.0";

    /// <summary>Wraps <paramref name="structure"/>, which must have a union <c>value</c>.</summary>
    public NTNDArray(PvValue structure)
    {
        if (structure.Type["value"] is not { Kind: TypeKind.Union })
        {
            throw new ArgumentException($"{structure.Type.DisplayId} has no union 'value' field", nameof(structure));
        }

        Structure = structure;
    }

    /// <summary>The wrapped value.</summary>
    public PvValue Structure { get; }

    /// <summary>The value union members in the order of pva-protocol §9.4 (the selector numbering of the spec).</summary>
    public static IReadOnlyList<ScalarType> SpecMemberOrder => SpecOrder;

    private static readonly ScalarType[] SpecOrder =
    [
        ScalarType.Boolean, ScalarType.Byte, ScalarType.Short, ScalarType.Int, ScalarType.Long, ScalarType.UByte,
        ScalarType.UShort, ScalarType.UInt, ScalarType.ULong, ScalarType.Float, ScalarType.Double,
    ];

    private static readonly PvType NormativeTypesType = BuildType(NTNDArrayLayout.NormativeTypes);
    private static readonly PvType PvaPyType = BuildType(NTNDArrayLayout.PvaPy);
    private static readonly PvType PvxsType = BuildType(NTNDArrayLayout.Pvxs);

    /// <summary>The NTNDArray type of <paramref name="layout"/> (built once).</summary>
    public static PvType TypeFor(NTNDArrayLayout layout = NTNDArrayLayout.NormativeTypes) => layout switch
    {
        NTNDArrayLayout.PvaPy => PvaPyType,
        NTNDArrayLayout.Pvxs => PvxsType,
        _ => NormativeTypesType,
    };

    /// <summary>A new, empty image of <paramref name="layout"/>.</summary>
    public static NTNDArray Create(NTNDArrayLayout layout = NTNDArrayLayout.NormativeTypes) => new(new PvValue(TypeFor(layout)));

    /// <summary>The union member name holding arrays of <paramref name="type"/> (<c>ubyteValue</c>, ...).</summary>
    public static string MemberName(ScalarType type) => type == ScalarType.String
        ? throw new ArgumentException("NTNDArray has no string member", nameof(type))
        : type.TypeName() + "Value";

    /// <summary>The <c>value</c> union field.</summary>
    public PvField ValueField => Structure["value"];

    /// <summary>The element type of the image, or null when no member is selected.</summary>
    public ScalarType? ElementType => ValueField.Content is { Type.Kind: TypeKind.ScalarArray } c ? c.Type.ScalarType : null;

    /// <summary>The image elements (empty when no member is selected).</summary>
    public PvArray Image => ValueField.Content is { Type.Kind: TypeKind.ScalarArray } c ? c.Root.GetArray() : PvArray.Empty(ScalarType.UByte);

    /// <summary>
    /// Stores the image: its element type selects the union member (by name). Takes over the caller's reference.
    /// For an uncompressed image (empty codec name) also sets compressedSize and uncompressedSize to its byte length.
    /// </summary>
    public void SetImage(PvArray image)
    {
        ValueField.Select(MemberName(image.ElementType)).SetArray(image);
        if (CodecName.Length == 0)
        {
            CompressedSize = image.ByteLength;
            UncompressedSize = image.ByteLength;
        }
    }

    /// <summary>The image unique id.</summary>
    public int UniqueId
    {
        get => Structure["uniqueId"].GetInt32();
        set => Structure["uniqueId"].Set(value);
    }

    /// <summary>compressedSize: bytes of <c>value</c> as transmitted.</summary>
    public long CompressedSize
    {
        get => Structure["compressedSize"].GetInt64();
        set => Structure["compressedSize"].Set(value);
    }

    /// <summary>uncompressedSize: product of the dimensions times the element size.</summary>
    public long UncompressedSize
    {
        get => Structure["uncompressedSize"].GetInt64();
        set => Structure["uncompressedSize"].Set(value);
    }

    /// <summary>The codec name ("" = uncompressed).</summary>
    public string CodecName => NTFields.GetString(Structure["codec"], "name");

    /// <summary>
    /// The codec parameters as areaDetector sends them: an int holding the pvData type code of the uncompressed
    /// elements (the spec's union member index), or null.
    /// </summary>
    public ScalarType? CodecOriginalType =>
        Structure["codec.parameters"].Content is { Type.Kind: TypeKind.Scalar } c && c.Type.ScalarType.IsInteger() &&
        c.Root.GetInt32() is var i && i >= 0 && i < SpecMemberOrder.Count
            ? SpecMemberOrder[i]
            : null;

    /// <summary>Sets the codec: name ("" for none) and, for a compressed image, the original element type.</summary>
    public void SetCodec(string name, ScalarType? originalType = null)
    {
        Structure["codec.name"].Set(name);
        PvValue? parameters = null;
        if (originalType is { } t)
        {
            parameters = new PvValue(PvType.Int);
            var index = SpecOrder.IndexOf(t);
            parameters.Root.Set(index >= 0 ? index : throw new ArgumentException("no such member", nameof(originalType)));
        }

        Structure["codec.parameters"].SetContent(parameters);
    }

    /// <summary>The data time stamp (when the frame was acquired).</summary>
    public PvTimeStamp DataTimeStamp
    {
        get => PvTimeStamp.Read(Structure["dataTimeStamp"]);
        set => value.WriteTo(Structure["dataTimeStamp"]);
    }

    /// <summary>The time stamp (zero when absent).</summary>
    public PvTimeStamp TimeStamp
    {
        get => NTFields.ReadTimeStamp(Structure, "timeStamp");
        set => NTFields.WriteTimeStamp(Structure, "timeStamp", value);
    }

    /// <summary>The alarm (no alarm when absent).</summary>
    public PvAlarm Alarm
    {
        get => NTFields.ReadAlarm(Structure);
        set => NTFields.WriteAlarm(Structure, value);
    }

    /// <summary>The descriptor ("" when absent).</summary>
    public string Descriptor
    {
        get => NTFields.GetString(Structure.Root, "descriptor");
        set => NTFields.Require(Structure, "descriptor").Set(value);
    }

    /// <summary>The dimensions, fastest varying (x) first.</summary>
    public IReadOnlyList<NTDimension> Dimensions =>
        [.. Structure["dimension"].Elements.Select(e => e is null ? default : NTDimension.Read(e.Root))];

    /// <summary>The dimension sizes, x first (e.g. [width, height]).</summary>
    public int[] Shape => [.. Dimensions.Select(d => d.Size)];

    /// <summary>Sets the dimensions from sizes (offset 0, fullSize = size, binning 1), x first.</summary>
    public void SetDimensions(params ReadOnlySpan<int> sizes)
    {
        var dims = new NTDimension[sizes.Length];
        for (var i = 0; i < sizes.Length; i++)
        {
            dims[i] = new NTDimension(sizes[i]);
        }

        SetDimensions(dims);
    }

    /// <summary>Sets the dimensions.</summary>
    public void SetDimensions(IReadOnlyList<NTDimension> dimensions)
    {
        var field = Structure["dimension"];
        var elements = new PvValue?[dimensions.Count];
        for (var i = 0; i < elements.Length; i++)
        {
            var e = field.NewElement();
            dimensions[i].WriteTo(e.Root);
            elements[i] = e;
        }

        field.SetElements(elements);
    }

    /// <summary>The attributes.</summary>
    public IReadOnlyList<NTAttribute> Attributes =>
        [.. Structure["attribute"].Elements.Where(e => e is not null).Select(e => new NTAttribute(e!))];

    /// <summary>The attribute element type of this value.</summary>
    public PvType AttributeType => Structure.Type["attribute"]!.ElementType!;

    /// <summary>A new attribute of this value's attribute type (not yet stored; see <see cref="SetAttributes"/>).</summary>
    public NTAttribute NewAttribute(string name, object value, string descriptor = "", int sourceType = 0, string source = "") =>
        NTAttribute.Create(AttributeType, name, value, descriptor, sourceType, source);

    /// <summary>Replaces the attributes (taking ownership of their values).</summary>
    public void SetAttributes(params IEnumerable<NTAttribute> attributes) =>
        Structure["attribute"].SetElements([.. attributes.Select(a => a.Structure)]);

    /// <summary>The attribute called <paramref name="name"/>, if present.</summary>
    public NTAttribute? FindAttribute(string name)
    {
        foreach (var a in Attributes)
        {
            if (a.Name == name)
            {
                return a;
            }
        }

        return null;
    }

    /// <inheritdoc />
    public override string ToString() => PvFormatter.FormatRaw(Structure, new PvFormatOptions { ArrayLimit = 16 });

    private static PvType BuildType(NTNDArrayLayout layout)
    {
        IEnumerable<ScalarType> order = layout == NTNDArrayLayout.PvaPy
            ?
            [
                ScalarType.Boolean, ScalarType.Byte, ScalarType.UByte, ScalarType.Short, ScalarType.UShort, ScalarType.Int,
                ScalarType.UInt, ScalarType.Long, ScalarType.ULong, ScalarType.Float, ScalarType.Double,
            ]
            : SpecMemberOrder;
        var value = PvType.Union(string.Empty, order.Select(t => new PvMember(MemberName(t), PvType.Array(t))));
        var b = PvType.Builder(Id)
            .Add("value", value)
            .Add("codec", NTTypes.Codec)
            .Add("compressedSize", ScalarType.Long)
            .Add("uncompressedSize", ScalarType.Long);
        var dimension = PvType.StructureArray(NTTypes.Dimension);
        var attribute = PvType.StructureArray(NTAttribute.TypeFor(layout));
        if (layout == NTNDArrayLayout.Pvxs)
        {
            return b.Add("uniqueId", ScalarType.Int)
                .Add("dataTimeStamp", NTTypes.TimeStamp)
                .Add("alarm", NTTypes.Alarm)
                .Add("timeStamp", NTTypes.TimeStamp)
                .Add("dimension", dimension)
                .Add("attribute", attribute)
                .Build();
        }

        return b.Add("dimension", dimension)
            .Add("uniqueId", ScalarType.Int)
            .Add("dataTimeStamp", NTTypes.TimeStamp)
            .Add("attribute", attribute)
            .Add("descriptor", ScalarType.String)
            .Add("alarm", NTTypes.Alarm)
            .Add("timeStamp", NTTypes.TimeStamp)
            .Add("display", NTTypes.Display)
            .Build();
    }
}
