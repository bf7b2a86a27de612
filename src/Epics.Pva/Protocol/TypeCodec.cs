using Epics.Pva.Data;

namespace Epics.Pva.Protocol;

/// <summary>Reads and writes type descriptions (FieldDesc, pva-protocol §3).</summary>
internal static class TypeCodec
{
    private const byte NullTypeCode = 0xFF;
    private const byte OnlyIdTypeCode = 0xFE;
    private const byte FullWithIdTypeCode = 0xFD;
    private const byte FullTaggedIdTypeCode = 0xFC;

    /// <summary>A Type, possibly a cache code; null for 0xFF ("no type").</summary>
    public static PvType? Read(ref PvaReader reader, int depth = 0)
    {
        if (depth > PvaReader.MaxDepth)
        {
            ProtocolErrors.Throw($"type nesting deeper than {PvaReader.MaxDepth}");
        }

        var code = reader.ReadByte();
        switch (code)
        {
            case NullTypeCode:
                return null;
            case OnlyIdTypeCode:
                return Charge(ref reader, Registry(ref reader).Lookup(reader.ReadUInt16()));
            case FullWithIdTypeCode:
            {
                var key = reader.ReadUInt16();
                var type = ReadRequired(ref reader, depth);
                Registry(ref reader).Define(key, type);
                return type;
            }

            case FullTaggedIdTypeCode:
            {
                var key = reader.ReadUInt16();
                reader.ReadInt32(); // tag, for unreliable transports; no peer sends it
                var type = ReadRequired(ref reader, depth);
                Registry(ref reader).Define(key, type);
                return type;
            }

            default:
            {
                // Each node of a description counts once against the message's field budget as it is read; a cached
                // reference counts all it expands to, each time it is used: what a type costs is its tree, not its bytes.
                reader.ChargeFields(1);
                var type = ReadDescription(ref reader, code, depth);
                return type.ExpandedSize <= reader.Limits.MaxTypeFields
                    ? type
                    : ProtocolErrors.Throw<PvType>($"type description expands to more than {reader.Limits.MaxTypeFields} fields");
            }
        }
    }

    private static PvType Charge(ref PvaReader reader, PvType type)
    {
        reader.ChargeFields(type.ExpandedSize);
        return type;
    }

    /// <summary>A Type that must be present (0xFF is an error here).</summary>
    public static PvType ReadRequired(ref PvaReader reader, int depth = 0) =>
        Read(ref reader, depth + 1) ?? ProtocolErrors.Throw<PvType>("missing type description");

    private static TypeRegistry Registry(ref PvaReader reader) =>
        reader.Types ?? ProtocolErrors.Throw<TypeRegistry>("type cache code where no cache exists");

    private static PvType ReadDescription(ref PvaReader reader, byte code, int depth)
    {
        if (code < 0x80)
        {
            var scalarCode = (byte)(code & ~0x18);
            if (!ScalarTypes.IsValidCode(scalarCode))
            {
                ProtocolErrors.Throw($"invalid type code 0x{code:X2}");
            }

            var scalar = (ScalarType)scalarCode;
            return (code & 0x18) switch
            {
                0x00 => PvType.Scalar(scalar),
                0x08 => PvType.Array(scalar),
                0x10 => PvType.BoundedArray(scalar, reader.ReadSize(), isFixed: false),
                _ => PvType.BoundedArray(scalar, Math.Max(0, reader.ReadSize()), isFixed: true),
            };
        }

        switch (code)
        {
            case 0x80:
            case 0x81:
            {
                var id = reader.ReadString();
                var n = reader.ReadCount(2);
                var members = new PvMember[n];
                long expanded = 1;
                for (var i = 0; i < n; i++)
                {
                    var name = reader.ReadString();
                    var member = ReadRequired(ref reader, depth);
                    expanded += member.ExpandedSize;
                    if (expanded > reader.Limits.MaxTypeFields)
                    {
                        ProtocolErrors.Throw($"type description expands to more than {reader.Limits.MaxTypeFields} fields");
                    }

                    members[i] = new PvMember(name, member);
                }

                try
                {
                    return code == 0x80 ? PvType.Structure(id, members) : PvType.Union(id, members);
                }
                catch (ArgumentException e)
                {
                    return ProtocolErrors.Throw<PvType>(e.Message);
                }
            }

            case 0x82:
                return PvType.Variant;
            case 0x83:
                return PvType.BoundedString(reader.ReadSize());
            case 0x88:
            {
                var element = ReadRequired(ref reader, depth);
                return element.Kind == TypeKind.Structure
                    ? PvType.StructureArray(element)
                    : ProtocolErrors.Throw<PvType>("structure array element is not a structure");
            }

            case 0x89:
            {
                var element = ReadRequired(ref reader, depth);
                return element.Kind == TypeKind.Union
                    ? PvType.UnionArray(element)
                    : ProtocolErrors.Throw<PvType>("union array element is not a union");
            }

            case 0x8A:
                return PvType.VariantArray;
            default:
                return ProtocolErrors.Throw<PvType>($"invalid type code 0x{code:X2}");
        }
    }

    /// <summary>The full description of <paramref name="type"/> (never a cache code), or 0xFF for null.</summary>
    public static void Write(in PvaWriter writer, PvType? type)
    {
        if (type is null)
        {
            writer.WriteByte(NullTypeCode);
            return;
        }

        switch (type.Kind)
        {
            case TypeKind.Scalar:
                writer.WriteByte((byte)type.ScalarType);
                break;
            case TypeKind.ScalarArray:
                writer.WriteByte((byte)((byte)type.ScalarType | 0x08));
                break;
            case TypeKind.Structure:
            case TypeKind.Union:
                writer.WriteByte(type.Kind == TypeKind.Structure ? (byte)0x80 : (byte)0x81);
                writer.WriteString(type.Id);
                writer.WriteSize(type.Members.Count);
                foreach (var m in type.Members)
                {
                    writer.WriteString(m.Name);
                    Write(writer, m.Type);
                }

                break;
            case TypeKind.Variant:
                writer.WriteByte(0x82);
                break;
            case TypeKind.StructureArray:
                writer.WriteByte(0x88);
                Write(writer, type.ElementType);
                break;
            case TypeKind.UnionArray:
                writer.WriteByte(0x89);
                Write(writer, type.ElementType);
                break;
            case TypeKind.VariantArray:
                writer.WriteByte(0x8A);
                break;
        }
    }
}
