using System.Globalization;

namespace Epics.Pva.Data;

/// <summary>
/// A view of one field of a <see cref="PvValue"/>: read and write it with conversions between numeric types,
/// navigate to children, and see or set its "changed" mark. Setting a field marks it changed.
/// </summary>
public readonly struct PvField
{
    internal PvField(PvValue owner, int offset, PvType type)
    {
        Owner = owner;
        Offset = offset;
        Type = type;
    }

    internal PvField(PvValue owner, int offset)
        : this(owner, offset, owner.TypeAt(offset))
    {
    }

    /// <summary>The value this field belongs to.</summary>
    public PvValue Owner { get; }

    /// <summary>The bit offset of this field in <see cref="Owner"/>.</summary>
    public int Offset { get; }

    /// <summary>The field type.</summary>
    public PvType Type { get; }

    /// <summary>False for a default instance.</summary>
    public bool Exists => Owner is not null;

    /// <summary>Whether this field (or, for a structure, the whole structure) is marked changed.</summary>
    public bool IsChanged => Owner.Changed.Get(Offset);

    /// <summary>Whether this field or anything inside it is marked changed.</summary>
    public bool IsAnyChanged => Owner.Changed.AnyInRange(Offset, Offset + Type.BitCount);

    private ref PvValue.Node Node => ref Owner.Nodes[Offset];

    /// <summary>Marks this field changed.</summary>
    public void MarkChanged() => Owner.Changed.Set(Offset);

    /// <summary>The child field <paramref name="path"/> (dotted) of this structure.</summary>
    public PvField this[string path] => TryGetField(path, out var f)
        ? f
        : throw new KeyNotFoundException($"no field '{path}' in {Type.DisplayId}");

    /// <summary>The child field at a dotted path of this structure, if it exists.</summary>
    public bool TryGetField(string path, out PvField field)
    {
        var rel = Type.Kind == TypeKind.Structure ? Type.OffsetOf(path) : -1;
        field = rel >= 0 ? new PvField(Owner, Offset + rel) : default;
        return rel >= 0;
    }

    /// <summary>The fields of this structure, in order.</summary>
    public IEnumerable<(string Name, PvField Field)> Fields
    {
        get
        {
            for (var i = 0; i < Type.Members.Count; i++)
            {
                var m = Type.Members[i];
                yield return (m.Name, new PvField(Owner, Offset + Type.MemberOffset(i), m.Type));
            }
        }
    }

    // ---- scalars ------------------------------------------------------------------------------------------------

    /// <summary>The value converted to bool (numbers: non-zero; strings: "true"/"1").</summary>
    public bool GetBoolean() => Scalar(out var t, out var bits, out var s) switch
    {
        _ when t == ScalarType.String => s is "true" or "1" || string.Equals(s, "true", StringComparison.OrdinalIgnoreCase),
        _ when t.IsFloatingPoint() => BitConverter.Int64BitsToDouble(bits) != 0,
        _ => bits != 0,
    };

    /// <summary>The value converted to a 64-bit integer (floating point truncates; strings are parsed).</summary>
    public long GetInt64()
    {
        Scalar(out var t, out var bits, out var s);
        return t switch
        {
            ScalarType.String => long.Parse(s!, CultureInfo.InvariantCulture),
            ScalarType.Float or ScalarType.Double => (long)BitConverter.Int64BitsToDouble(bits),
            _ => bits,
        };
    }

    /// <summary>The value converted to a 32-bit integer.</summary>
    public int GetInt32() => unchecked((int)GetInt64());

    /// <summary>The value converted to an unsigned 64-bit integer.</summary>
    public ulong GetUInt64()
    {
        Scalar(out var t, out var bits, out var s);
        return t switch
        {
            ScalarType.String => ulong.Parse(s!, CultureInfo.InvariantCulture),
            ScalarType.Float or ScalarType.Double => (ulong)BitConverter.Int64BitsToDouble(bits),
            _ => unchecked((ulong)bits),
        };
    }

    /// <summary>The value converted to double.</summary>
    public double GetDouble()
    {
        Scalar(out var t, out var bits, out var s);
        return t switch
        {
            ScalarType.String => double.Parse(s!, CultureInfo.InvariantCulture),
            ScalarType.Float or ScalarType.Double => BitConverter.Int64BitsToDouble(bits),
            ScalarType.ULong => unchecked((ulong)bits),
            _ => bits,
        };
    }

    /// <summary>The value as text: strings as they are, numbers as pvData tools print them.</summary>
    public string GetString()
    {
        Scalar(out var t, out var bits, out var s);
        return t switch
        {
            ScalarType.String => s!,
            ScalarType.Boolean => bits != 0 ? "true" : "false",
            ScalarType.Float => ((float)BitConverter.Int64BitsToDouble(bits)).ToString(CultureInfo.InvariantCulture),
            ScalarType.Double => BitConverter.Int64BitsToDouble(bits).ToString(CultureInfo.InvariantCulture),
            ScalarType.ULong => unchecked((ulong)bits).ToString(CultureInfo.InvariantCulture),
            _ => bits.ToString(CultureInfo.InvariantCulture),
        };
    }

    /// <summary>The scalar as a boxed CLR value of its exact type (bool, sbyte, ..., double, string).</summary>
    public object GetObject()
    {
        Scalar(out var t, out var bits, out var s);
        return t switch
        {
            ScalarType.Boolean => bits != 0,
            ScalarType.Byte => (sbyte)bits,
            ScalarType.Short => (short)bits,
            ScalarType.Int => (int)bits,
            ScalarType.Long => bits,
            ScalarType.UByte => (byte)bits,
            ScalarType.UShort => (ushort)bits,
            ScalarType.UInt => (uint)bits,
            ScalarType.ULong => unchecked((ulong)bits),
            ScalarType.Float => (float)BitConverter.Int64BitsToDouble(bits),
            ScalarType.Double => BitConverter.Int64BitsToDouble(bits),
            _ => s!,
        };
    }

    /// <summary>Sets a scalar from a 64-bit integer, converting to the field type (integers wrap like C casts).</summary>
    public void Set(long value)
    {
        var t = ScalarTarget(out var target);
        switch (t)
        {
            case ScalarType.String: target.SetRaw(0, value.ToString(CultureInfo.InvariantCulture)); break;
            case ScalarType.Float or ScalarType.Double: target.SetRaw(BitConverter.DoubleToInt64Bits(RoundFloat(t, value)), null); break;
            default: target.SetRaw(Truncate(t, value), null); break;
        }
    }

    /// <summary>Sets a scalar from an unsigned 64-bit integer.</summary>
    public void Set(ulong value)
    {
        var t = ScalarTarget(out var target);
        switch (t)
        {
            case ScalarType.String: target.SetRaw(0, value.ToString(CultureInfo.InvariantCulture)); break;
            case ScalarType.Float or ScalarType.Double: target.SetRaw(BitConverter.DoubleToInt64Bits(RoundFloat(t, value)), null); break;
            default: target.SetRaw(Truncate(t, unchecked((long)value)), null); break;
        }
    }

    /// <summary>Sets a scalar from an int.</summary>
    public void Set(int value) => Set((long)value);

    /// <summary>Sets a scalar from a double (integer fields truncate toward zero).</summary>
    public void Set(double value)
    {
        var t = ScalarTarget(out var target);
        switch (t)
        {
            case ScalarType.String: target.SetRaw(0, value.ToString(CultureInfo.InvariantCulture)); break;
            case ScalarType.Float or ScalarType.Double: target.SetRaw(BitConverter.DoubleToInt64Bits(RoundFloat(t, value)), null); break;
            case ScalarType.Boolean: target.SetRaw(value != 0 ? 1 : 0, null); break;
            case ScalarType.ULong: target.SetRaw(unchecked((long)(ulong)value), null); break;
            default: target.SetRaw(Truncate(t, (long)value), null); break;
        }
    }

    /// <summary>Sets a scalar from a bool.</summary>
    public void Set(bool value)
    {
        var t = ScalarTarget(out var target);
        if (t == ScalarType.String)
        {
            target.SetRaw(0, value ? "true" : "false");
        }
        else
        {
            target.Set(value ? 1L : 0L);
        }
    }

    /// <summary>Sets a scalar from text; numeric and boolean fields parse it (invariant culture).</summary>
    public void Set(string value)
    {
        var t = ScalarTarget(out var target);
        var text = value.Trim();
        switch (t)
        {
            case ScalarType.String:
                target.SetRaw(0, value);
                break;
            case ScalarType.Boolean:
                target.SetRaw(text.Equals("true", StringComparison.OrdinalIgnoreCase) || text == "1" ? 1 : 0, null);
                if (!(text.Equals("true", StringComparison.OrdinalIgnoreCase) || text.Equals("false", StringComparison.OrdinalIgnoreCase) ||
                      text is "0" or "1"))
                {
                    throw new FormatException($"'{value}' is not a boolean");
                }

                break;
            case ScalarType.Float or ScalarType.Double:
                target.Set(double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture));
                break;
            case ScalarType.ULong:
                target.Set(ulong.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture));
                break;
            default:
                if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l))
                {
                    if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) &&
                        long.TryParse(text.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out l))
                    {
                        target.Set(l);
                        break;
                    }

                    throw new FormatException($"'{value}' is not an integer");
                }

                target.Set(l);
                break;
        }
    }

    /// <summary>Sets a scalar from any CLR number, bool or string.</summary>
    public void SetObject(object value)
    {
        switch (value)
        {
            case bool b: Set(b); break;
            case string s: Set(s); break;
            case double or float or decimal: Set(Convert.ToDouble(value, CultureInfo.InvariantCulture)); break;
            case ulong u: Set(u); break;
            case IConvertible c: Set(c.ToInt64(CultureInfo.InvariantCulture)); break;
            default: throw new ArgumentException($"cannot store a {value.GetType().Name} in a {Type.TypeName} field");
        }
    }

    // ---- scalar arrays --------------------------------------------------------------------------------------------

    /// <summary>The elements of a scalar array field (an empty array when unset).</summary>
    public PvArray GetArray()
    {
        var f = Deref();
        if (f.Type.Kind != TypeKind.ScalarArray)
        {
            throw new InvalidOperationException($"{Type.TypeName} is not a scalar array");
        }

        return f.Node.Ref as PvArray ?? PvArray.Empty(f.Type.ScalarType);
    }

    /// <summary>
    /// Stores <paramref name="array"/> (taking over the caller's reference; call <see cref="PvArray.Retain"/> first to
    /// keep one). Elements of another numeric type are converted (a copy).
    /// </summary>
    public void SetArray(PvArray array)
    {
        if (Type.Kind != TypeKind.ScalarArray)
        {
            throw new InvalidOperationException($"{Type.TypeName} is not a scalar array");
        }

        if (array.ElementType != Type.ScalarType)
        {
            var converted = ArrayConversion.Convert(array, Type.ScalarType);
            array.Dispose();
            array = converted;
        }

        var old = Node.Ref;
        SetRaw(0, array);
        PvValue.ReleaseRef(old);
    }

    /// <summary>Stores a copy of <paramref name="values"/> (converted to the field's element type).</summary>
    public void Set<T>(ReadOnlySpan<T> values) => SetArray(PvArray.Create(values));

    /// <summary>Stores <paramref name="values"/> without copying when the element type matches.</summary>
    public void Set<T>(T[] values) => SetArray(PvArray.Wrap(values));

    // ---- unions and any -------------------------------------------------------------------------------------------

    /// <summary>For a union: the selected member index, or -1 for none.</summary>
    public int Selector => Type.Kind == TypeKind.Union ? (int)Node.Bits : -1;

    /// <summary>For a union: the selected member's name, or null.</summary>
    public string? SelectedName => Selector >= 0 ? Type.Members[Selector].Name : null;

    /// <summary>For a union: the selected member's value; for an any: its content. Null when empty.</summary>
    public PvValue? Content => Type.Kind is TypeKind.Union or TypeKind.Variant ? Node.Ref as PvValue : null;

    /// <summary>
    /// For a union: selects member <paramref name="name"/> and returns its value (kept if it was already selected),
    /// marking the union changed.
    /// </summary>
    public PvField Select(string name)
    {
        var i = Type.Kind == TypeKind.Union ? Type.IndexOf(name) : -1;
        return i >= 0 ? Select(i) : throw new KeyNotFoundException($"union {Type.DisplayId} has no member '{name}'");
    }

    /// <summary>For a union: selects member <paramref name="index"/> (-1 clears it) and returns its value.</summary>
    public PvField Select(int index)
    {
        if (Type.Kind != TypeKind.Union)
        {
            throw new InvalidOperationException($"{Type.TypeName} is not a union");
        }

        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Type.Members.Count);
        ref var node = ref Node;
        if (index < 0)
        {
            var old = node.Ref;
            node = new PvValue.Node { Bits = -1 };
            PvValue.ReleaseRef(old);
            MarkChanged();
            return default;
        }

        if (node.Bits != index || node.Ref is not PvValue)
        {
            var old = node.Ref;
            node = new PvValue.Node { Bits = index, Ref = new PvValue(Type.Members[index].Type) };
            PvValue.ReleaseRef(old);
        }

        MarkChanged();
        return ((PvValue)node.Ref!).Root;
    }

    /// <summary>For an any: stores <paramref name="content"/> (or clears it with null), marking the field changed.</summary>
    public void SetContent(PvValue? content)
    {
        if (Type.Kind != TypeKind.Variant)
        {
            throw new InvalidOperationException($"{Type.TypeName} is not an any");
        }

        var old = Node.Ref;
        SetRaw(0, content);
        PvValue.ReleaseRef(old);
    }

    // ---- structure, union and any arrays ---------------------------------------------------------------------------

    /// <summary>The elements of a structure, union or any array (null entries are null elements).</summary>
    public IReadOnlyList<PvValue?> Elements => Node.Ref as PvValue?[] ?? [];

    /// <summary>Replaces the elements of a structure, union or any array (taking ownership).</summary>
    public void SetElements(PvValue?[] elements)
    {
        if (Type.Kind is not (TypeKind.StructureArray or TypeKind.UnionArray or TypeKind.VariantArray))
        {
            throw new InvalidOperationException($"{Type.TypeName} is not an array of structures, unions or any");
        }

        foreach (var e in elements)
        {
            if (e is not null && Type.ElementType is not null && !e.Type.Equals(Type.ElementType))
            {
                throw new ArgumentException($"element type {e.Type.DisplayId} does not match {Type.ElementType.DisplayId}");
            }
        }

        var old = Node.Ref;
        SetRaw(0, elements);
        PvValue.ReleaseRef(old);
    }

    /// <summary>A new element of this structure or union array's element type (not yet stored).</summary>
    public PvValue NewElement() => new(Type.ElementType ?? throw new InvalidOperationException($"{Type.TypeName} has no element type"));

    /// <inheritdoc />
    public override string ToString() => Owner is null ? "(none)" : PvFormatter.FormatField(this);

    internal void SetRaw(long bits, object? reference)
    {
        ref var node = ref Node;
        node.Bits = bits;
        node.Ref = reference;
        Owner.Changed.Set(Offset);
    }

    // An any holding a scalar or array is read through to its content.
    private PvField Deref() => Type.Kind == TypeKind.Variant && Node.Ref is PvValue v ? v.Root : this;

    private ScalarType Scalar(out ScalarType type, out long bits, out string? text)
    {
        var f = Deref();
        if (f.Type.Kind != TypeKind.Scalar)
        {
            throw new InvalidOperationException($"{f.Type.TypeName} is not a scalar");
        }

        ref var node = ref f.Node;
        type = f.Type.ScalarType;
        bits = node.Bits;
        text = node.Ref as string;
        return type;
    }

    private ScalarType ScalarTarget(out PvField target)
    {
        target = Deref();
        return target.Type.Kind == TypeKind.Scalar
            ? target.Type.ScalarType
            : throw new InvalidOperationException($"{target.Type.TypeName} is not a scalar");
    }

    private static long Truncate(ScalarType t, long v) => t switch
    {
        ScalarType.Boolean => v != 0 ? 1 : 0,
        ScalarType.Byte => (sbyte)v,
        ScalarType.Short => (short)v,
        ScalarType.Int => (int)v,
        ScalarType.UByte => (byte)v,
        ScalarType.UShort => (ushort)v,
        ScalarType.UInt => (uint)v,
        _ => v,
    };

    private static double RoundFloat(ScalarType t, double v) => t == ScalarType.Float ? (float)v : v;
}
