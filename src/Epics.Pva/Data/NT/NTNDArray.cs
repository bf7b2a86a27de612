using Epics.Pva.Data.NT.Internal;

namespace Epics.Pva.Data.NT;

/// <summary>
/// An <c>epics:nt/NTNDArray:1.0</c> image: a view over a <see cref="PvValue"/> (wrapping allocates nothing).
/// Wrap a received value to read it, or <see cref="Create(NTNDArrayLayout)"/> one and reuse it frame after frame:
/// setting the image, uniqueId, time stamps, dimensions or attributes changes only those fields (and marks them
/// changed), never the type. Fields are found by name once per type, so any producer's layout works, and the reads
/// (dimensions, colour mode, element type, codec, uniqueId, time stamps, attribute lookups) allocate nothing.
/// Typed pixel access is in <see cref="GetImage{T}"/>; the default instance wraps nothing.
/// </summary>
public readonly partial struct NTNDArray
{
    /// <summary>The type ID.</summary>
    public const string Id = "epics:nt/NTNDArray:1.0";

    private static readonly ScalarType[] SpecOrder =
    [
        ScalarType.Boolean, ScalarType.Byte, ScalarType.Short, ScalarType.Int, ScalarType.Long, ScalarType.UByte,
        ScalarType.UShort, ScalarType.UInt, ScalarType.ULong, ScalarType.Float, ScalarType.Double,
    ];

    private static readonly PvType NormativeTypesType = BuildType(NTNDArrayLayout.NormativeTypes);
    private static readonly PvType PvaPyType = BuildType(NTNDArrayLayout.PvaPy);
    private static readonly PvType PvxsType = BuildType(NTNDArrayLayout.Pvxs);

    private readonly NTNDArrayFields _fields;

    /// <summary>Wraps <paramref name="structure"/>, which must have a union <c>value</c>.</summary>
    public NTNDArray(PvValue structure)
    {
        _fields = NTNDArrayFields.Of(structure.Type);
        if (_fields.Value < 0)
        {
            throw new ArgumentException($"{structure.Type.DisplayId} has no union 'value' field", nameof(structure));
        }

        Structure = structure;
    }

    /// <summary>The wrapped value.</summary>
    public PvValue Structure { get; }

    /// <summary>The value union members in the order of pva-protocol §9.4 (the selector numbering of the spec).</summary>
    public static IReadOnlyList<ScalarType> SpecMemberOrder => SpecOrder;

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
    public PvField ValueField => Structure.FieldAt(_fields.Value);

    /// <summary>The element type of the image (which union member is selected), or null when none is.</summary>
    public ScalarType? ElementType => ValueField.Content is { Type.Kind: TypeKind.ScalarArray } c ? c.Type.ScalarType : null;

    /// <summary>
    /// The image elements, owned by this value (empty when no member is selected). For compressed frames, the
    /// compressed bytes. <see cref="PvArray.Retain"/> the array to keep it beyond the value.
    /// </summary>
    public PvArray Image => ValueField.Content is { Type.Kind: TypeKind.ScalarArray } c ? c.Root.GetArray() : PvArray.Empty(ScalarType.UByte);

    /// <summary>
    /// Stores the image: its element type selects the union member. Takes over the caller's reference.
    /// For an uncompressed image (empty codec name) also sets compressedSize and uncompressedSize to its byte length.
    /// Dimensions and the ColorMode attribute are left as they are; <see cref="SetImage(PvArray, ImageShape)"/> sets them too.
    /// </summary>
    public void SetImage(PvArray image)
    {
        ValueField.Select(MemberIndex(image.ElementType)).SetArray(image);
        if (CodecName.Length == 0)
        {
            CompressedSize = image.ByteLength;
            UncompressedSize = image.ByteLength;
        }
    }

    /// <summary>The image unique id.</summary>
    public int UniqueId
    {
        get => _fields.UniqueId < 0 ? 0 : Structure.FieldAt(_fields.UniqueId).GetInt32();
        set => Require(_fields.UniqueId, "uniqueId").Set(value);
    }

    /// <summary>compressedSize: bytes of <c>value</c> as transmitted.</summary>
    public long CompressedSize
    {
        get => _fields.CompressedSize < 0 ? 0 : Structure.FieldAt(_fields.CompressedSize).GetInt64();
        set => Require(_fields.CompressedSize, "compressedSize").Set(value);
    }

    /// <summary>uncompressedSize: product of the dimensions times the element size.</summary>
    public long UncompressedSize
    {
        get => _fields.UncompressedSize < 0 ? 0 : Structure.FieldAt(_fields.UncompressedSize).GetInt64();
        set => Require(_fields.UncompressedSize, "uncompressedSize").Set(value);
    }

    /// <summary>The data time stamp (when the frame was acquired; zero when absent).</summary>
    public PvTimeStamp DataTimeStamp
    {
        get => _fields.DataTimeStamp.Read(Structure);
        set => value.WriteTo(Require(_fields.DataTimeStamp.Structure, "dataTimeStamp"));
    }

    /// <summary>The time stamp (zero when absent).</summary>
    public PvTimeStamp TimeStamp
    {
        get => _fields.TimeStamp.Read(Structure);
        set => value.WriteTo(Require(_fields.TimeStamp.Structure, "timeStamp"));
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
        get => _fields.Descriptor < 0 ? string.Empty : Structure.FieldAt(_fields.Descriptor).GetString();
        set => Require(_fields.Descriptor, "descriptor").Set(value);
    }

    /// <inheritdoc />
    public override string ToString() => Structure is null ? "(none)" : PvFormatter.FormatRaw(Structure, new PvFormatOptions { ArrayLimit = 16 });

    // The union member index for arrays of `type` in this value's layout.
    private int MemberIndex(ScalarType type)
    {
        var spec = System.Array.IndexOf(SpecOrder, type);
        return spec >= 0 && _fields.MemberIndex[spec] is var i && i >= 0
            ? i
            : throw new ArgumentException($"{Structure.Type.DisplayId} has no member for {type.TypeName()} arrays", nameof(type));
    }

    private PvField Require(int offset, string name) => offset >= 0
        ? Structure.FieldAt(offset)
        : throw new InvalidOperationException($"{Structure.Type.DisplayId} has no field '{name}'");

    private static PvType BuildType(NTNDArrayLayout layout)
    {
        IEnumerable<ScalarType> order = layout == NTNDArrayLayout.PvaPy
            ?
            [
                ScalarType.Boolean, ScalarType.Byte, ScalarType.UByte, ScalarType.Short, ScalarType.UShort, ScalarType.Int,
                ScalarType.UInt, ScalarType.Long, ScalarType.ULong, ScalarType.Float, ScalarType.Double,
            ]
            : SpecOrder;
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
