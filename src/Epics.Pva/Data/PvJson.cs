using System.Globalization;
using System.Text;
using Epics.Pva.Data.Text;

namespace Epics.Pva.Data;

/// <summary>
/// JSON text of values: <see cref="Format(PvValue, PvJsonOptions?)"/> prints like <c>pvget -M json</c> (a union prints
/// as its selected member's value, an empty one as null); <see cref="Apply(PvField, string)"/> reads JSON (or that JSON5 form) into a
/// value, converting numbers to the field types.
/// </summary>
public static class PvJson
{
    /// <summary>The value as one line of JSON.</summary>
    public static string Format(PvValue value, PvJsonOptions? options = null)
    {
        options ??= PvJsonOptions.Default;
        var show = options.Show is null ? null : PvFormatter.ExpandShow(value.Type, options.Show);
        var sb = new StringBuilder();
        Write(sb, value.Root, show, options.Json5);
        return sb.ToString();
    }

    /// <summary>One field as JSON.</summary>
    public static string Format(PvField field, PvJsonOptions? options = null)
    {
        var sb = new StringBuilder();
        Write(sb, field, null, (options ?? PvJsonOptions.Default).Json5);
        return sb.ToString();
    }

    /// <summary>
    /// Sets the fields named in <paramref name="json"/> (an object for a structure, an array for an array, a scalar for
    /// a scalar), marking them changed. Throws <see cref="FormatException"/> for bad JSON, unknown fields and values
    /// that do not convert.
    /// </summary>
    public static void Apply(PvField target, string json) => Apply(target, JsonReader.Parse(json), FieldPath(target));

    /// <summary>Sets the fields of <paramref name="target"/> named in <paramref name="json"/>.</summary>
    public static void Apply(PvValue target, string json) => Apply(target.Root, json);

    internal static void Apply(PvField target, JsonNode node, string path)
    {
        var where = path.Length == 0 ? "the value" : $"'{path}'";
        switch (target.Type.Kind)
        {
            case TypeKind.Structure:
                if (node.Kind != JsonKind.Object)
                {
                    throw new FormatException($"{where} is a structure and needs a JSON object");
                }

                foreach (var (key, child) in node.Members)
                {
                    var childPath = path.Length == 0 ? key : path + "." + key;
                    if (!target.TryGetField(key, out var f) || key.Contains('.', StringComparison.Ordinal))
                    {
                        throw new FormatException($"no field '{childPath}'");
                    }

                    Apply(f, child, childPath);
                }

                break;
            case TypeKind.Scalar:
                SetScalar(target, node, where);
                break;
            case TypeKind.ScalarArray:
                if (node.Kind != JsonKind.Array)
                {
                    throw new FormatException($"{where} is an array and needs a JSON array");
                }

                target.SetArray(PvValueParser.ToArray(node.Items.Select(i => ScalarText(i, where)).ToArray(), target.Type.ScalarType, where));
                break;
            case TypeKind.Union:
                ApplyUnion(target, node, path, where);
                break;
            case TypeKind.Variant:
                target.SetContent(node.Kind == JsonKind.Null ? null : Infer(node, where));
                break;
            default:
                if (node.Kind != JsonKind.Array)
                {
                    throw new FormatException($"{where} is an array and needs a JSON array");
                }

                var elements = new PvValue?[node.Items.Count];
                for (var i = 0; i < elements.Length; i++)
                {
                    var item = node.Items[i];
                    if (item.Kind == JsonKind.Null)
                    {
                        continue;
                    }

                    if (target.Type.Kind == TypeKind.VariantArray)
                    {
                        elements[i] = Infer(item, where);
                        continue;
                    }

                    var e = target.NewElement();
                    Apply(e.Root, item, $"{path}[{i}]");
                    elements[i] = e;
                }

                target.SetElements(elements);
                break;
        }
    }

    private static void ApplyUnion(PvField target, JsonNode node, string path, string where)
    {
        if (node.Kind == JsonKind.Null)
        {
            target.Select(-1);
            return;
        }

        // {"member": value} names the member; otherwise the value goes to the member already selected.
        if (node.Kind == JsonKind.Object && node.Members.Count == 1 && target.Type.IndexOf(node.Members[0].Key) >= 0)
        {
            var m = target.Select(node.Members[0].Key);
            Apply(m, node.Members[0].Value, path + "->" + node.Members[0].Key);
            return;
        }

        if (target.Selector < 0)
        {
            throw new FormatException($"{where} is a union with no member selected; write {{\"<member>\": value}}");
        }

        var selected = target.Select(target.Selector);
        Apply(selected, node, path + "->" + target.SelectedName);
    }

    private static void SetScalar(PvField target, JsonNode node, string where)
    {
        try
        {
            switch (node.Kind)
            {
                case JsonKind.Boolean:
                    target.Set(node.Boolean);
                    break;
                case JsonKind.Number or JsonKind.String:
                    PvValueParser.CheckRange(target.Type.ScalarType, node.Text);
                    target.Set(node.Text);
                    break;
                default:
                    throw new FormatException($"{where} is a {target.Type.TypeName} and cannot take a JSON {node.Kind.ToString().ToLowerInvariant()}");
            }
        }
        catch (OverflowException e)
        {
            throw new FormatException($"{where}: '{node.Text}' is out of range for {target.Type.TypeName}", e);
        }
        catch (FormatException e) when (!e.Message.StartsWith(where, StringComparison.Ordinal))
        {
            throw new FormatException($"{where}: '{node.Text}' is not a valid {target.Type.TypeName}", e);
        }
    }

    private static string ScalarText(JsonNode n, string where) => n.Kind switch
    {
        JsonKind.Boolean => n.Boolean ? "true" : "false",
        JsonKind.Number or JsonKind.String => n.Text,
        _ => throw new FormatException($"{where}: array elements must be numbers, strings or booleans"),
    };

    // The type of an any's content, from the JSON alone.
    private static PvValue Infer(JsonNode node, string where)
    {
        PvValue v;
        switch (node.Kind)
        {
            case JsonKind.Boolean:
                v = new PvValue(PvType.Boolean);
                v.Root.Set(node.Boolean);
                return v;
            case JsonKind.String:
                v = new PvValue(PvType.String);
                v.Root.Set(node.Text);
                return v;
            case JsonKind.Number:
                v = new PvValue(IntegerType(node.Text) ?? PvType.Double);
                v.Root.Set(node.Text);
                return v;
            case JsonKind.Array:
                var items = node.Items;
                var element = items.All(i => i.Kind == JsonKind.String) ? ScalarType.String
                    : items.All(i => i.Kind == JsonKind.Boolean) ? ScalarType.Boolean
                    : items.All(i => i.Kind == JsonKind.Number && IntegerType(i.Text) is not null) ? ScalarType.Long
                    : ScalarType.Double;
                v = new PvValue(PvType.Array(element));
                v.Root.SetArray(PvValueParser.ToArray(items.Select(i => ScalarText(i, where)).ToArray(), element, where));
                return v;
            default:
                throw new FormatException($"{where}: an any field cannot be set from a JSON object");
        }
    }

    private static PvType? IntegerType(string text) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _) ? PvType.Int
        : long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _) ? PvType.Long
        : null;

    private static string FieldPath(PvField f) => f.Offset == 0 ? string.Empty : f.Owner.Type.NodeAt(f.Offset).Path;

    private static void Write(StringBuilder sb, PvField f, BitSet? show, bool json5)
    {
        switch (f.Type.Kind)
        {
            case TypeKind.Structure:
                sb.Append('{');
                var first = true;
                foreach (var (name, child) in f.Fields)
                {
                    if (show is not null && !show.Get(child.Offset))
                    {
                        continue;
                    }

                    if (!first)
                    {
                        sb.Append(',');
                    }

                    first = false;
                    WriteKey(sb, name, json5);
                    Write(sb, child, show, json5);
                }

                sb.Append('}');
                break;
            case TypeKind.Scalar:
                WriteScalar(sb, f.Type.ScalarType, f.GetObject(), json5);
                break;
            case TypeKind.ScalarArray:
                var a = f.GetArray();
                sb.Append('[');
                for (var i = 0; i < a.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(',');
                    }

                    WriteScalar(sb, a.ElementType, a.GetElement(i), json5);
                }

                sb.Append(']');
                break;
            case TypeKind.Union or TypeKind.Variant:
                if (f.Content is { } content)
                {
                    Write(sb, content.Root, null, json5);
                }
                else
                {
                    sb.Append("null");
                }

                break;
            default:
                sb.Append('[');
                var elements = f.Elements;
                for (var i = 0; i < elements.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(',');
                    }

                    if (elements[i] is { } e)
                    {
                        Write(sb, e.Root, null, json5);
                    }
                    else
                    {
                        sb.Append("null");
                    }
                }

                sb.Append(']');
                break;
        }
    }

    private static void WriteScalar(StringBuilder sb, ScalarType type, object value, bool json5)
    {
        switch (type)
        {
            case ScalarType.String:
                WriteString(sb, (string)value);
                break;
            case ScalarType.Boolean:
                sb.Append((bool)value ? "true" : "false");
                break;
            case ScalarType.Float or ScalarType.Double:
                sb.Append(CNumber.Json(Convert.ToDouble(value, CultureInfo.InvariantCulture), json5));
                break;
            default:
                sb.Append(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }

    private static void WriteKey(StringBuilder sb, string name, bool json5)
    {
        var bare = json5 && name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] is '_' or '$') &&
                   name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '$');
        if (bare)
        {
            sb.Append(name);
        }
        else
        {
            WriteString(sb, name);
        }

        sb.Append(':');
    }

    private static void WriteString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < 0x20)
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        sb.Append('"');
    }
}
