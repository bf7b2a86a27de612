using System.Globalization;
using Epics.Pva.Data.NT;
using Epics.Pva.Data.Text;

namespace Epics.Pva.Data;

/// <summary>
/// Reads what users type for a put (the pvput/pvxput conventions) into a value:
/// <list type="bullet">
/// <item><c>3</c>, <c>hello</c>: a bare value goes to <c>value</c> (for an enum: a choice name or an index);</item>
/// <item><c>value=3</c>, <c>alarm.severity=1</c>, <c>value.index=0</c>: field=value pairs;</item>
/// <item><c>[1,2,3]</c> or <c>value=[1,2,3]</c>: arrays; several bare words for an array value (pvput's leading count
/// is dropped when it equals the number of elements);</item>
/// <item><c>{"command":"configure","args":"{\"x\":100}"}</c> or <c>field={...}</c>: JSON for (nested) fields.</item>
/// </list>
/// Bad input throws one <see cref="FormatException"/> naming the field (unknown field, not a number, ...).
/// </summary>
public static class PvValueParser
{
    /// <summary>
    /// Sets the fields of <paramref name="target"/> that <paramref name="arguments"/> describe. On return the value's
    /// <see cref="PvValue.Changed"/> marks exactly the fields that were set. <paramref name="current"/> (the server's
    /// present value, optional) supplies enum choices when <paramref name="target"/> has none.
    /// </summary>
    public static BitSet Apply(PvValue target, IReadOnlyList<string> arguments, PvValue? current = null)
    {
        if (arguments.Count == 0)
        {
            throw new FormatException("no value given");
        }

        target.Changed.Clear();
        var bare = new List<string>();
        var pairs = new List<(string Field, string Text)>();
        foreach (var arg in arguments)
        {
            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            var name = eq > 0 ? arg[..eq] : null;
            if (name is not null && !arg.StartsWith('{') && !arg.StartsWith('[') && target.TryGetField(name, out _))
            {
                pairs.Add((name, arg[(eq + 1)..]));
            }
            else if (name is not null && IsFieldName(name) && !IsStringValue(target))
            {
                // Looks like field=value but there is no such field (a string value may legitimately contain '=').
                throw new FormatException($"no field '{name}' in {target.Type.DisplayId}");
            }
            else
            {
                bare.Add(arg);
            }
        }

        if (bare.Count > 0 && pairs.Count > 0)
        {
            throw new FormatException("cannot mix bare values and field=value pairs");
        }

        if (bare.Count == 1 && bare[0].TrimStart().StartsWith('{'))
        {
            PvJson.Apply(target.Root, bare[0]);
        }
        else if (bare.Count == 1 && bare[0].TrimStart().StartsWith('['))
        {
            SetField(target, "value", bare[0], current);
        }
        else if (bare.Count > 0)
        {
            SetBare(target, bare, current);
        }
        else
        {
            foreach (var (field, text) in pairs)
            {
                SetField(target, field, text, current);
            }
        }

        var changed = BitSet.WithCapacity(target.Type.BitCount);
        changed.Or(target.Changed);
        return changed;
    }

    /// <summary>Sets one field from text (a scalar, an array <c>[...]</c>, JSON <c>{...}</c>, or an enum choice).</summary>
    public static void SetField(PvValue target, string path, string text, PvValue? current = null)
    {
        if (!target.TryGetField(path, out var field))
        {
            throw new FormatException($"no field '{path}' in {target.Type.DisplayId}");
        }

        var trimmed = text.TrimStart();
        switch (field.Type.Kind)
        {
            case TypeKind.Scalar:
                SetScalar(field, path, text);
                break;
            case TypeKind.ScalarArray:
                field.SetArray(ToArray(SplitArray(text, path), field.Type.ScalarType, $"'{path}'"));
                break;
            case TypeKind.Structure when NTEnum.IsEnum(field.Type) && !trimmed.StartsWith('{'):
                SetEnum(field, path, text, current);
                break;
            default:
                if (!trimmed.StartsWith('{') && !trimmed.StartsWith('[') && field.Type.Kind != TypeKind.Variant)
                {
                    throw new FormatException($"'{path}' is a {field.Type.TypeName}; give its value as JSON");
                }

                PvJson.Apply(field, JsonReader.Parse(text), path);
                break;
        }
    }

    /// <summary>The items of an array typed as <c>[1,2,3]</c> (JSON, or unquoted words) or <c>1,2,3</c>.</summary>
    public static string[] SplitArray(string text, string what = "array")
    {
        var t = text.Trim();
        if (t.StartsWith('['))
        {
            try
            {
                var node = JsonReader.Parse(t);
                return [.. node.Items.Select(i => i.Kind switch
                {
                    JsonKind.Boolean => i.Boolean ? "true" : "false",
                    JsonKind.Number or JsonKind.String => i.Text,
                    _ => throw new FormatException($"'{what}': array elements must be numbers, strings or booleans"),
                })];
            }
            catch (FormatException) when (t.EndsWith(']'))
            {
                // pvput also takes [a, b] with bare words.
                t = t[1..^1];
            }
        }

        if (t.Length == 0)
        {
            return [];
        }

        return [.. t.Split(',').Select(s => s.Trim().Trim('"'))];
    }

    /// <summary>Converts text items to an array of <paramref name="type"/>; <paramref name="where"/> names the field in errors.</summary>
    internal static PvArray ToArray(string[] items, ScalarType type, string where)
    {
        if (type == ScalarType.String)
        {
            return PvArray.Create<string>(items);
        }

        // Parse through a scratch scalar so the conversions and range rules match those of scalar fields.
        var scratch = new PvValue(PvType.Scalar(type));
        var result = PvArray.Allocate(type, items.Length);
        var bytes = result.WritableBytes;
        var size = type.ElementSize();
        for (var i = 0; i < items.Length; i++)
        {
            try
            {
                CheckRange(type, items[i]);
                scratch.Root.Set(items[i]);
            }
            catch (Exception e) when (e is FormatException or OverflowException)
            {
                result.Dispose();
                throw new FormatException($"{where}: element {i} '{items[i]}' is not a valid {type.TypeName()}", e);
            }

            WriteElement(bytes.Slice(i * size, size), type, scratch.Root);
        }

        return result;
    }

    /// <summary>Rejects integers that do not fit <paramref name="type"/> (PvField.Set would wrap them like a C cast).</summary>
    internal static void CheckRange(ScalarType type, string text)
    {
        if (!type.IsInteger() || type == ScalarType.ULong ||
            !long.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
        {
            return;
        }

        var (min, max) = type switch
        {
            ScalarType.Byte => (sbyte.MinValue, sbyte.MaxValue),
            ScalarType.Short => (short.MinValue, short.MaxValue),
            ScalarType.Int => (int.MinValue, int.MaxValue),
            ScalarType.UByte => (0, byte.MaxValue),
            ScalarType.UShort => (0, ushort.MaxValue),
            ScalarType.UInt => (0, uint.MaxValue),
            _ => (long.MinValue, long.MaxValue),
        };
        if (v < min || v > max)
        {
            throw new OverflowException($"{v} is out of range for {type.TypeName()}");
        }
    }

    private static void WriteElement(Span<byte> dst, ScalarType type, PvField value)
    {
        switch (type)
        {
            case ScalarType.Boolean: dst[0] = value.GetBoolean() ? (byte)1 : (byte)0; break;
            case ScalarType.Byte or ScalarType.UByte: dst[0] = unchecked((byte)value.GetInt64()); break;
            case ScalarType.Short or ScalarType.UShort: BitConverter.TryWriteBytes(dst, unchecked((short)value.GetInt64())); break;
            case ScalarType.Int or ScalarType.UInt: BitConverter.TryWriteBytes(dst, unchecked((int)value.GetInt64())); break;
            case ScalarType.Long: BitConverter.TryWriteBytes(dst, value.GetInt64()); break;
            case ScalarType.ULong: BitConverter.TryWriteBytes(dst, value.GetUInt64()); break;
            case ScalarType.Float: BitConverter.TryWriteBytes(dst, (float)value.GetDouble()); break;
            default: BitConverter.TryWriteBytes(dst, value.GetDouble()); break;
        }
    }

    private static void SetBare(PvValue target, List<string> bare, PvValue? current)
    {
        if (!target.TryGetField("value", out var field))
        {
            throw new FormatException($"{target.Type.DisplayId} has no 'value' field; use field=value");
        }

        switch (field.Type.Kind)
        {
            case TypeKind.Scalar when bare.Count == 1:
                SetScalar(field, "value", bare[0]);
                break;
            case TypeKind.Scalar:
                throw new FormatException("cannot put several values into a scalar 'value'");
            case TypeKind.ScalarArray:
                var items = bare.ToArray();
                if (items.Length > 1 && int.TryParse(items[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n == items.Length - 1)
                {
                    items = items[1..];
                }

                field.SetArray(ToArray(items, field.Type.ScalarType, "'value'"));
                break;
            case TypeKind.Structure when NTEnum.IsEnum(field.Type) && bare.Count == 1:
                SetEnum(field, "value", bare[0], current);
                break;
            default:
                throw new FormatException($"cannot put {string.Join(' ', bare)} into a {field.Type.TypeName} 'value'");
        }
    }

    private static void SetEnum(PvField field, string path, string text, PvValue? current)
    {
        var choices = field["choices"].GetArray().Strings.ToArray();
        if (choices.Length == 0 && current is not null && current.TryGetField(FieldPathIn(field) + ".choices", out var cc) &&
            cc.Type.Kind == TypeKind.ScalarArray)
        {
            choices = cc.GetArray().ToArray<string>();
        }

        var i = Array.IndexOf(choices, text);
        if (i >= 0)
        {
            field["index"].Set(i);
            return;
        }

        if (!int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out i))
        {
            throw new FormatException(choices.Length > 0
                ? $"'{text}' is not one of the choices of '{path}' ({string.Join(", ", choices)}) nor an index"
                : $"'{path}' is an enum: '{text}' is not an index");
        }

        field["index"].Set(i);
    }

    private static void SetScalar(PvField field, string path, string text)
    {
        try
        {
            CheckRange(field.Type.ScalarType, text);
            field.Set(text);
        }
        catch (OverflowException e)
        {
            throw new FormatException($"'{path}': '{text}' is out of range for {field.Type.TypeName}", e);
        }
        catch (FormatException e)
        {
            var what = field.Type.ScalarType == ScalarType.Boolean ? "a boolean" : "a number";
            throw new FormatException($"'{path}': '{text}' is not {what} ({field.Type.TypeName})", e);
        }
    }

    private static string FieldPathIn(PvField f) => f.Offset == 0 ? string.Empty : f.Owner.Type.NodeAt(f.Offset).Path;

    private static bool IsStringValue(PvValue target) =>
        target.Type["value"] is { Kind: TypeKind.Scalar, ScalarType: ScalarType.String };

    private static bool IsFieldName(string s) =>
        s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.');
}
