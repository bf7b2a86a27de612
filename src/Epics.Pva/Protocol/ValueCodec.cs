using Epics.Pva.Data;

namespace Epics.Pva.Protocol;

/// <summary>
/// Full and partial (BitSet-selected) value serialization (pva-protocol §4). Decoding writes into an existing
/// <see cref="PvValue"/>, which is how a monitor applies a partial update onto the previous value; pooled arrays that
/// nobody else holds are overwritten in place, so a steady stream of frames decodes without allocating.
/// </summary>
internal static class ValueCodec
{
    // ---- decode -----------------------------------------------------------------------------------------------------

    /// <summary>The full value of <paramref name="value"/>'s type (all fields), marking everything changed.</summary>
    public static void ReadFull(ref PvaReader reader, PvValue value)
    {
        ReadNode(ref reader, value, 0, value.Type, 0);
        value.Changed.Clear();
        value.Changed.Set(0);
        value.Changed.SetRange(0, value.Type.BitCount);
    }

    /// <summary>
    /// A BitSet then the selected fields (§4.3), decoded onto <paramref name="value"/>. The value's
    /// <see cref="PvValue.Changed"/> becomes exactly the fields received (subtrees of marked structures included).
    /// </summary>
    public static void ReadPartial(ref PvaReader reader, PvValue value, BitSet scratch)
    {
        reader.ReadBitSet(scratch);
        scratch.Truncate(value.Type.BitCount);
        value.Changed.Clear();
        ReadSelected(ref reader, value, scratch);
    }

    /// <summary>The fields selected by <paramref name="bits"/> (already read), decoded onto <paramref name="value"/>.</summary>
    public static void ReadSelected(ref PvaReader reader, PvValue value, BitSet bits)
    {
        var bitCount = value.Type.BitCount;
        for (var bit = bits.NextSetBit(0); bit >= 0 && bit < bitCount;)
        {
            var type = value.Type.TypeAt(bit);
            ReadNode(ref reader, value, bit, type, 0);
            value.Changed.SetRange(bit, bit + type.BitCount);
            bit = bits.NextSetBit(bit + type.BitCount);
        }
    }

    private static void ReadNode(ref PvaReader reader, PvValue value, int offset, PvType type, int depth)
    {
        if (depth > PvaReader.MaxDepth)
        {
            ProtocolErrors.Throw($"value nesting deeper than {PvaReader.MaxDepth}");
        }

        ref var node = ref value.Nodes[offset];
        switch (type.Kind)
        {
            case TypeKind.Scalar:
                ReadScalar(ref reader, type.ScalarType, ref node);
                break;
            case TypeKind.ScalarArray:
                node.Ref = ReadArray(ref reader, type, node.Ref as PvArray);
                break;
            case TypeKind.Structure:
                for (var i = 0; i < type.Members.Count; i++)
                {
                    ReadNode(ref reader, value, offset + type.MemberOffset(i), type.Members[i].Type, depth + 1);
                }

                break;
            case TypeKind.Union:
            {
                var selector = reader.ReadSelector();
                if (selector >= type.Members.Count)
                {
                    ProtocolErrors.Throw($"union selector {selector} out of range ({type.Members.Count} members)");
                }

                ReadUnion(ref reader, type, selector, ref node, depth);
                break;
            }

            case TypeKind.Variant:
            {
                var contentType = TypeCodec.Read(ref reader, depth + 1);
                var existing = node.Ref as PvValue;
                if (contentType is null)
                {
                    node.Ref = null;
                    existing?.Dispose();
                    break;
                }

                var content = existing is not null && existing.Type.Equals(contentType) ? existing : NewValue(ref reader, contentType);
                if (!ReferenceEquals(content, existing))
                {
                    existing?.Dispose();
                }

                ReadNode(ref reader, content, 0, contentType, depth + 1);
                node.Ref = content;
                break;
            }

            default:
                node.Ref = ReadElements(ref reader, type, node.Ref as PvValue?[], depth);
                break;
        }
    }

    // Values created while decoding (structure array elements, union members, variant contents) count against the
    // message's field budget: empty structures cost no bytes on the wire but a node each in memory.
    private static PvValue NewValue(ref PvaReader reader, PvType type)
    {
        reader.ChargeFields(type.BitCount);
        return new PvValue(type);
    }

    private static void ReadUnion(ref PvaReader reader, PvType type, int selector, ref PvValue.Node node, int depth)
    {
        var existing = node.Ref as PvValue;
        if (selector < 0)
        {
            node.Bits = -1;
            node.Ref = null;
            existing?.Dispose();
            return;
        }

        var memberType = type.Members[selector].Type;
        var member = node.Bits == selector && existing is not null ? existing : NewValue(ref reader, memberType);
        if (!ReferenceEquals(member, existing))
        {
            existing?.Dispose();
        }

        ReadNode(ref reader, member, 0, memberType, depth + 1);
        node.Bits = selector;
        node.Ref = member;
    }

    private static void ReadScalar(ref PvaReader reader, ScalarType type, ref PvValue.Node node)
    {
        switch (type)
        {
            case ScalarType.Boolean: node.Bits = reader.ReadBoolean() ? 1 : 0; break;
            case ScalarType.Byte: node.Bits = (sbyte)reader.ReadByte(); break;
            case ScalarType.UByte: node.Bits = reader.ReadByte(); break;
            case ScalarType.Short: node.Bits = reader.ReadInt16(); break;
            case ScalarType.UShort: node.Bits = reader.ReadUInt16(); break;
            case ScalarType.Int: node.Bits = reader.ReadInt32(); break;
            case ScalarType.UInt: node.Bits = reader.ReadUInt32(); break;
            case ScalarType.Long:
            case ScalarType.ULong: node.Bits = reader.ReadInt64(); break;
            case ScalarType.Float: node.Bits = BitConverter.DoubleToInt64Bits(reader.ReadFloat()); break;
            case ScalarType.Double: node.Bits = reader.ReadInt64(); break;
            default: node.Ref = reader.ReadString(); break;
        }
    }

    private static PvArray ReadArray(ref PvaReader reader, PvType type, PvArray? existing)
    {
        var elementType = type.ScalarType;
        var size = elementType.ElementSize();
        int count;
        if (type.IsFixedSize)
        {
            count = type.Bound;
            if ((long)count * Math.Max(1, size) > reader.Remaining)
            {
                ProtocolErrors.Throw($"fixed array of {count} elements exceeds the message");
            }
        }
        else
        {
            count = reader.ReadCount(Math.Max(1, size));
        }

        if (elementType == ScalarType.String)
        {
            existing?.Dispose();
            var strings = PvArray.Allocate(ScalarType.String, count);
            var dst = strings.WritableStrings;
            for (var i = 0; i < count; i++)
            {
                dst[i] = reader.ReadString();
            }

            return strings;
        }

        var byteCount = count * size;
        var hostOrder = size == 1 || reader.BigEndian == !BitConverter.IsLittleEndian;
        if (hostOrder && elementType != ScalarType.Boolean && byteCount >= MessageBuilder.SpliceThreshold &&
            reader.TryAdopt(byteCount, out var buffer, out var offset))
        {
            // A large frame in host order: the array takes over the received message's buffer, no copy.
            existing?.Dispose();
            return PvArray.Adopt(elementType, buffer, offset, count, reader.Backing!.Pool);
        }

        // Reuse the previous frame's pooled buffer when nobody else holds it.
        PvArray array;
        if (existing is not null && existing.IsPooled && existing.IsExclusive && existing.ElementType == elementType && existing.Count == count)
        {
            array = existing;
        }
        else
        {
            existing?.Dispose();
            array = PvArray.Allocate(elementType, count);
        }

        reader.ReadElements(array.WritableBytes, size);
        if (elementType == ScalarType.Boolean)
        {
            // Normalise to 0/1 so booleans compare and print consistently.
            var b = array.WritableBytes;
            for (var i = 0; i < b.Length; i++)
            {
                b[i] = b[i] != 0 ? (byte)1 : (byte)0;
            }
        }

        return array;
    }

    private static PvValue?[] ReadElements(ref PvaReader reader, PvType type, PvValue?[]? existing, int depth)
    {
        var count = reader.ReadCount(1);
        var elements = existing is not null && existing.Length == count ? existing : new PvValue?[count];
        for (var i = 0; i < count; i++)
        {
            var previous = elements[i];
            if (!reader.ReadBoolean())
            {
                previous?.Dispose();
                elements[i] = null;
                continue;
            }

            PvType elementType;
            if (type.Kind == TypeKind.VariantArray)
            {
                var t = TypeCodec.Read(ref reader, depth + 1);
                if (t is null)
                {
                    previous?.Dispose();
                    elements[i] = null;
                    continue;
                }

                elementType = t;
            }
            else
            {
                elementType = type.ElementType!;
            }

            var element = previous is not null && previous.Type.Equals(elementType) ? previous : NewValue(ref reader, elementType);
            if (!ReferenceEquals(element, previous))
            {
                previous?.Dispose();
            }

            ReadNode(ref reader, element, 0, elementType, depth + 1);
            element.Changed.SetRange(0, elementType.BitCount);
            elements[i] = element;
        }

        if (!ReferenceEquals(elements, existing) && existing is not null)
        {
            foreach (var e in existing)
            {
                if (e is not null && Array.IndexOf(elements, e) < 0)
                {
                    e.Dispose();
                }
            }
        }

        return elements;
    }

    // ---- encode -----------------------------------------------------------------------------------------------------

    /// <summary>The full value (§4.1).</summary>
    public static void WriteFull(in PvaWriter writer, PvValue value) => WriteNode(writer, value, 0, value.Type);

    /// <summary>
    /// BitSet + selected fields (§4.3). <paramref name="bits"/> may hold children of marked structures; they add
    /// nothing and are skipped, exactly as a decoder skips them.
    /// </summary>
    public static void WritePartial(in PvaWriter writer, PvValue value, BitSet bits)
    {
        writer.WriteBitSet(bits);
        WriteSelected(writer, value, bits);
    }

    /// <summary>The fields selected by <paramref name="bits"/>, without the BitSet.</summary>
    public static void WriteSelected(in PvaWriter writer, PvValue value, BitSet bits)
    {
        var bitCount = value.Type.BitCount;
        for (var bit = bits.NextSetBit(0); bit >= 0 && bit < bitCount;)
        {
            var type = value.Type.TypeAt(bit);
            WriteNode(writer, value, bit, type);
            bit = bits.NextSetBit(bit + type.BitCount);
        }
    }

    private static void WriteNode(in PvaWriter writer, PvValue value, int offset, PvType type)
    {
        ref var node = ref value.Nodes[offset];
        switch (type.Kind)
        {
            case TypeKind.Scalar:
                WriteScalar(writer, type.ScalarType, node);
                break;
            case TypeKind.ScalarArray:
            {
                var array = node.Ref as PvArray;
                var count = array?.Count ?? 0;
                writer.WriteSize(count);
                if (array is null || count == 0)
                {
                    break;
                }

                if (type.ScalarType == ScalarType.String)
                {
                    foreach (var s in array.Strings)
                    {
                        writer.WriteString(s);
                    }
                }
                else
                {
                    writer.WriteArrayElements(array);
                }

                break;
            }

            case TypeKind.Structure:
                for (var i = 0; i < type.Members.Count; i++)
                {
                    WriteNode(writer, value, offset + type.MemberOffset(i), type.Members[i].Type);
                }

                break;
            case TypeKind.Union:
                if (node.Bits < 0 || node.Ref is not PvValue member)
                {
                    writer.WriteSelector(-1);
                }
                else
                {
                    writer.WriteSelector((int)node.Bits);
                    WriteNode(writer, member, 0, member.Type);
                }

                break;
            case TypeKind.Variant:
                if (node.Ref is PvValue content)
                {
                    TypeCodec.Write(writer, content.Type);
                    WriteNode(writer, content, 0, content.Type);
                }
                else
                {
                    TypeCodec.Write(writer, null);
                }

                break;
            default:
            {
                var elements = node.Ref as PvValue?[] ?? [];
                writer.WriteSize(elements.Length);
                foreach (var e in elements)
                {
                    writer.WriteBoolean(e is not null);
                    if (e is null)
                    {
                        continue;
                    }

                    if (type.Kind == TypeKind.VariantArray)
                    {
                        TypeCodec.Write(writer, e.Type);
                    }

                    WriteNode(writer, e, 0, e.Type);
                }

                break;
            }
        }
    }

    private static void WriteScalar(in PvaWriter writer, ScalarType type, in PvValue.Node node)
    {
        switch (type)
        {
            case ScalarType.Boolean: writer.WriteBoolean(node.Bits != 0); break;
            case ScalarType.Byte:
            case ScalarType.UByte: writer.WriteByte((byte)node.Bits); break;
            case ScalarType.Short:
            case ScalarType.UShort: writer.WriteInt16((short)node.Bits); break;
            case ScalarType.Int:
            case ScalarType.UInt: writer.WriteInt32((int)node.Bits); break;
            case ScalarType.Float: writer.WriteFloat((float)BitConverter.Int64BitsToDouble(node.Bits)); break;
            case ScalarType.String: writer.WriteString(node.Ref as string ?? string.Empty); break;
            default: writer.WriteInt64(node.Bits); break;
        }
    }
}
