using System.Runtime.CompilerServices;

namespace Epics.Pva.Data.NT.Internal;

/// <summary>
/// The bit offsets of the NTNDArray fields in one structure type, found once per type, so that reading a frame looks
/// nothing up by name. Producers order (and omit) fields differently; an absent field has offset -1.
/// </summary>
internal sealed class NTNDArrayFields
{
    private static readonly ConditionalWeakTable<PvType, NTNDArrayFields> Cache = [];

    private NTNDArrayFields(PvType type)
    {
        Value = type["value"] is { Kind: TypeKind.Union } ? type.OffsetOf("value") : -1;
        CodecName = ScalarOffset(type, "codec.name");
        CodecParameters = type.OffsetOf("codec.parameters") is var p && p >= 0 && type.TypeAt(p).Kind == TypeKind.Variant ? p : -1;
        CompressedSize = ScalarOffset(type, "compressedSize");
        UncompressedSize = ScalarOffset(type, "uncompressedSize");
        UniqueId = ScalarOffset(type, "uniqueId");
        Descriptor = ScalarOffset(type, "descriptor");
        DataTimeStamp = TimeStampOffsets.Of(type, "dataTimeStamp");
        TimeStamp = TimeStampOffsets.Of(type, "timeStamp");

        if (type["dimension"] is { Kind: TypeKind.StructureArray, ElementType: { } dimension })
        {
            Dimension = type.OffsetOf("dimension");
            DimensionSize = ScalarOffset(dimension, "size");
        }
        else
        {
            Dimension = DimensionSize = -1;
        }

        if (type["attribute"] is { Kind: TypeKind.StructureArray, ElementType: { } attribute } &&
            attribute["value"] is { Kind: TypeKind.Variant } && attribute["name"] is { Kind: TypeKind.Scalar, ScalarType: ScalarType.String })
        {
            Attribute = type.OffsetOf("attribute");
            AttributeName = attribute.OffsetOf("name");
        }
        else
        {
            Attribute = AttributeName = -1;
        }

        var members = Value >= 0 ? type["value"]!.Members : [];
        MemberIndex = new int[NTNDArray.SpecMemberOrder.Count];
        for (var i = 0; i < MemberIndex.Length; i++)
        {
            MemberIndex[i] = -1;
            for (var m = 0; m < members.Count; m++)
            {
                if (members[m].Type is { Kind: TypeKind.ScalarArray } t && t.ScalarType == NTNDArray.SpecMemberOrder[i])
                {
                    MemberIndex[i] = m;
                    break;
                }
            }
        }
    }

    public int Value { get; }

    public int CodecName { get; }

    public int CodecParameters { get; }

    public int CompressedSize { get; }

    public int UncompressedSize { get; }

    public int UniqueId { get; }

    public int Descriptor { get; }

    public TimeStampOffsets DataTimeStamp { get; }

    public TimeStampOffsets TimeStamp { get; }

    public int Dimension { get; }

    /// <summary>Offset of <c>size</c> inside a dimension element.</summary>
    public int DimensionSize { get; }

    public int Attribute { get; }

    /// <summary>Offset of <c>name</c> inside an attribute element.</summary>
    public int AttributeName { get; }

    /// <summary>The value union's member index per element type, in the order of <see cref="NTNDArray.SpecMemberOrder"/>.</summary>
    public int[] MemberIndex { get; }

    public static NTNDArrayFields Of(PvType type) => Cache.GetValue(type, static t => new NTNDArrayFields(t));

    private static int ScalarOffset(PvType type, string path) =>
        type.OffsetOf(path) is var o && o >= 0 && type.TypeAt(o).Kind == TypeKind.Scalar ? o : -1;
}

/// <summary>The offsets of a <c>time_t</c>'s fields (-1 when absent).</summary>
internal readonly record struct TimeStampOffsets(int Structure, int Seconds, int Nanoseconds, int UserTag)
{
    public static TimeStampOffsets Of(PvType type, string name)
    {
        var s = type[name] is { Kind: TypeKind.Structure } ? type.OffsetOf(name) : -1;
        return s < 0 ? new(-1, -1, -1, -1) : new(s, Scalar(type, name + ".secondsPastEpoch"), Scalar(type, name + ".nanoseconds"), Scalar(type, name + ".userTag"));
    }

    public PvTimeStamp Read(PvValue value) => new(
        Seconds < 0 ? 0 : value.FieldAt(Seconds).GetInt64(),
        Nanoseconds < 0 ? 0 : value.FieldAt(Nanoseconds).GetInt32(),
        UserTag < 0 ? 0 : value.FieldAt(UserTag).GetInt32());

    private static int Scalar(PvType type, string path) =>
        type.OffsetOf(path) is var o && o >= 0 && type.TypeAt(o).Kind == TypeKind.Scalar ? o : -1;
}
