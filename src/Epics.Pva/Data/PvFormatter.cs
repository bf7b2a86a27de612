using System.Globalization;
using System.Text;
using Epics.Pva.Data.NT;
using Epics.Pva.Data.Text;

namespace Epics.Pva.Data;

/// <summary>
/// Text forms of values, as the EPICS tools print them:
/// <list type="bullet">
/// <item><see cref="FormatRaw"/>: the pvget <c>-v</c> / <c>-M raw</c> tree (<c>double value 3.5</c>, 4-space indents).</item>
/// <item><see cref="FormatNT"/>: pvget's default: a one-liner for NTScalar, NTScalarArray and NTEnum, a table for
/// NTTable, the tree for anything else.</item>
/// <item><see cref="FormatDelta"/>: pvxget's flat form (<c>value double = 3.5</c>).</item>
/// <item><see cref="PvJson.Format(PvValue, PvJsonOptions?)"/>: pvget <c>-M json</c>.</item>
/// </list>
/// None of them prints the channel name: pvget prints <c>name + ' '</c> first, pvxget <c>name + '\n'</c>.
/// </summary>
public static class PvFormatter
{
    /// <summary>The pvget raw tree. Each line ends with '\n'.</summary>
    public static string FormatRaw(PvValue value, PvFormatOptions? options = null)
    {
        options ??= PvFormatOptions.Default;
        var sb = new StringBuilder();
        var show = ExpandShow(value.Type, options.Show);
        if (show.Get(0))
        {
            new RawWriter(sb, options, show).Top(value, options.IndentLevel);
        }

        return sb.ToString();
    }

    /// <summary>pvget's default (NT-aware) form; falls back to <see cref="FormatRaw"/>.</summary>
    public static string FormatNT(PvValue value, PvFormatOptions? options = null)
    {
        options ??= PvFormatOptions.Default;
        var type = value.Type;
        var indent = new string(' ', options.IndentLevel * 4);
        var id = type.Id;
        var dot = id.IndexOf('.', StringComparison.Ordinal);
        if ((dot < 0 ? id : id[..dot]) == "epics:nt/NTTable:1")
        {
            var table = TryTable(value, options, indent);
            if (table is not null)
            {
                return table;
            }
        }
        else if (value.TryGetField("value", out var v))
        {
            var sb = new StringBuilder(indent);
            switch (v.Type.Kind)
            {
                case TypeKind.Scalar:
                    AppendTopTime(sb, value, options);
                    AppendScalar(sb, v);
                    sb.Append(' ');
                    AppendTopAlarm(sb, value);
                    return sb.Append('\n').ToString();
                case TypeKind.ScalarArray:
                    AppendTopTime(sb, value, options);
                    AppendTopAlarm(sb, value);
                    AppendArray(sb, v.GetArray(), options.ArrayLimit);
                    return sb.Append('\n').ToString();
                case TypeKind.Structure when NTEnum.IsEnum(v.Type):
                    AppendTopTime(sb, value, options);
                    AppendTopAlarm(sb, value);
                    AppendEnum(sb, v);
                    return sb.Append('\n').ToString();
            }
        }

        return FormatRaw(value, options);
    }

    /// <summary>
    /// pvxget's flat form: one line per field, <c>path type = value</c>. With <see cref="PvFormatOptions.Show"/>, only
    /// those fields (and the <c>struct "id"</c> header line only when bit 0 is shown).
    /// </summary>
    public static string FormatDelta(PvValue value, PvFormatOptions? options = null)
    {
        options ??= PvFormatOptions.Default;
        var sb = new StringBuilder();
        var show = options.Show is null ? null : ExpandShow(value.Type, options.Show);
        new DeltaWriter(sb, options, new string(' ', options.IndentLevel * 4)).Top(string.Empty, value, show, true, options.Show?.Get(0) ?? true);
        return sb.ToString();
    }

    /// <summary>A time stamp as pvget prints it: <c>2026-11-24 01:02:22.873</c>, or <c>&lt;undefined&gt;</c>.</summary>
    public static string FormatTime(PvTimeStamp stamp, TimeZoneInfo? zone = null)
    {
        if (stamp.IsUndefined)
        {
            return "<undefined>";
        }

        // pvDataCPP clamps stamps before the EPICS epoch to it, and rounds to milliseconds without carrying into seconds.
        var seconds = Math.Max(stamp.SecondsPastEpoch, PvTimeStamp.EpicsEpochOffset);
        var ms = Math.Min(999, (int)Math.Round(stamp.Nanoseconds / 1e6, MidpointRounding.AwayFromZero));
        var t = TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeSeconds(seconds), zone ?? TimeZoneInfo.Local);
        return t.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + "." + ms.ToString("000", CultureInfo.InvariantCulture);
    }

    internal static string Format(PvValue value) => FormatRaw(value);

    internal static string FormatField(PvField field)
    {
        var sb = new StringBuilder();
        switch (field.Type.Kind)
        {
            case TypeKind.Scalar:
                AppendScalar(sb, field);
                break;
            case TypeKind.ScalarArray:
                AppendArray(sb, field.GetArray(), 0);
                break;
            default:
                new RawWriter(sb, PvFormatOptions.Default, null).Nested(field, string.Empty, 0);
                break;
        }

        return sb.ToString();
    }

    // ---- pieces shared by the forms ---------------------------------------------------------------------------------

    internal static void AppendScalar(StringBuilder sb, PvField f)
    {
        var t = f.Type.ScalarType;
        switch (t)
        {
            case ScalarType.String:
                AppendMaybeQuoted(sb, f.GetString());
                break;
            case ScalarType.Float or ScalarType.Double:
                sb.Append(CNumber.G(f.GetDouble()));
                break;
            default:
                sb.Append(f.GetString());
                break;
        }
    }

    internal static void AppendArray(StringBuilder sb, PvArray a, int limit)
    {
        sb.Append('[');
        var n = limit > 0 ? Math.Min(limit, a.Count) : a.Count;
        for (var i = 0; i < n; i++)
        {
            if (i > 0)
            {
                sb.Append(a.ElementType == ScalarType.String ? ", " : ",");
            }

            AppendElement(sb, a, i);
        }

        if (n < a.Count)
        {
            sb.Append(n > 0 ? ",...] (" : "...] (").Append(a.Count).Append(" elements)");
            return;
        }

        sb.Append(']');
    }

    private static void AppendElement(StringBuilder sb, PvArray a, int i)
    {
        switch (a.ElementType)
        {
            case ScalarType.String:
                AppendMaybeQuoted(sb, a.Strings[i]);
                break;
            case ScalarType.Float or ScalarType.Double:
                sb.Append(CNumber.G(a.GetDouble(i)));
                break;
            case ScalarType.Boolean:
                sb.Append(a.Bytes[i] != 0 ? "true" : "false");
                break;
            default:
                sb.Append(Convert.ToString(a.GetElement(i), CultureInfo.InvariantCulture));
                break;
        }
    }

    // pvDataCPP quotes (and escapes) a string only when it holds blanks, quotes, backslashes or unprintable characters.
    internal static void AppendMaybeQuoted(StringBuilder sb, string s)
    {
        foreach (var c in s)
        {
            if (c is ' ' or '"' or '\'' or '\\' || char.IsControl(c))
            {
                sb.Append('"');
                AppendEscaped(sb, s);
                sb.Append('"');
                return;
            }
        }

        sb.Append(s);
    }

    internal static void AppendEscaped(StringBuilder sb, string s)
    {
        foreach (var c in s)
        {
            switch (c)
            {
                case '\a': sb.Append("\\a"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\v': sb.Append("\\v"); break;
                case '\\': sb.Append("\\\\"); break;
                case '\'': sb.Append("\\'"); break;
                case '"': sb.Append("\\\""); break;
                default:
                    if (char.IsControl(c))
                    {
                        sb.Append("\\x").Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }
    }

    private static void AppendTime(StringBuilder sb, PvField timeStamp, PvFormatOptions options)
    {
        var stamp = PvTimeStamp.Read(timeStamp);
        sb.Append(FormatTime(stamp, options.TimeZone).PadRight(24)).Append(' ');
        if (stamp.UserTag != 0)
        {
            sb.Append(stamp.UserTag).Append(' ');
        }
    }

    private static void AppendAlarm(StringBuilder sb, PvField alarm)
    {
        var a = PvAlarm.Read(alarm);
        if (a.Severity == AlarmSeverity.NoAlarm)
        {
            return;
        }

        sb.Append(a.Severity switch
        {
            AlarmSeverity.Minor => "MINOR",
            AlarmSeverity.Major => "MAJOR",
            AlarmSeverity.Invalid => "INVALID",
            AlarmSeverity.Undefined => "UNDEFINED",
            _ => ((int)a.Severity).ToString(CultureInfo.InvariantCulture),
        }).Append(' ');
        if (a.Status != AlarmStatus.None)
        {
            sb.Append(a.Status switch
            {
                AlarmStatus.Device => "DEVICE",
                AlarmStatus.Driver => "DRIVER",
                AlarmStatus.Record => "RECORD",
                AlarmStatus.DB => "DB",
                AlarmStatus.Conf => "CONF",
                AlarmStatus.Undefined => "UNDEFINED",
                AlarmStatus.Client => "CLIENT",
                _ => ((int)a.Status).ToString(CultureInfo.InvariantCulture),
            }).Append(' ');
        }

        if (a.Message.Length > 0)
        {
            sb.Append(a.Message).Append(' ');
        }
    }

    private static void AppendEnum(StringBuilder sb, PvField e)
    {
        var index = e["index"].GetInt64();
        var choices = e["choices"].GetArray().Strings;
        sb.Append('(').Append(unchecked((uint)index)).Append(')');
        if (index < 0 || index >= choices.Length)
        {
            sb.Append(" <undefined>");
        }
        else
        {
            sb.Append(' ');
            AppendMaybeQuoted(sb, choices[(int)index]);
        }
    }

    private static void AppendTopTime(StringBuilder sb, PvValue value, PvFormatOptions options)
    {
        if (value.TryGetField("timeStamp", out var ts) && ts.Type.Kind == TypeKind.Structure)
        {
            AppendTime(sb, ts, options);
        }
    }

    private static void AppendTopAlarm(StringBuilder sb, PvValue value)
    {
        if (value.TryGetField("alarm", out var a) && a.Type.Kind == TypeKind.Structure)
        {
            AppendAlarm(sb, a);
        }
    }

    private static string? TryTable(PvValue value, PvFormatOptions options, string indent)
    {
        if (!value.TryGetField("value", out var columns) || columns.Type.Kind != TypeKind.Structure || columns.Type.Members.Count == 0 ||
            columns.Type.Members.Any(m => m.Type.Kind != TypeKind.ScalarArray))
        {
            return null;
        }

        var sb = new StringBuilder();
        var hasTime = value.TryGetField("timeStamp", out _);
        var hasAlarm = value.TryGetField("alarm", out _);
        if (hasTime || hasAlarm)
        {
            sb.Append(indent);
            if (hasTime)
            {
                AppendTopTime(sb, value, options);
                sb.Append(' ');
            }

            if (hasAlarm)
            {
                AppendTopAlarm(sb, value);
                sb.Append(' ');
            }
        }

        sb.Append('\n');
        var labels = value.TryGetField("labels", out var lf) && lf.Type.Kind == TypeKind.ScalarArray
            ? lf.GetArray().ToArray<string>().Select(CsvQuote).ToList()
            : [];
        var cells = new List<string[]>();
        var rows = int.MaxValue;
        for (var c = 0; c < columns.Type.Members.Count; c++)
        {
            if (c >= labels.Count)
            {
                labels.Add(columns.Type.Members[c].Name);
            }

            var a = columns[columns.Type.Members[c].Name].GetArray();
            var col = new string[a.Count];
            for (var r = 0; r < a.Count; r++)
            {
                col[r] = CsvQuote(a.ElementType switch
                {
                    ScalarType.String => a.Strings[r],
                    ScalarType.Float or ScalarType.Double => a.GetDouble(r).ToString("R", CultureInfo.InvariantCulture),
                    ScalarType.Boolean => a.Bytes[r] != 0 ? "true" : "false",
                    _ => Convert.ToString(a.GetElement(r), CultureInfo.InvariantCulture)!,
                });
            }

            cells.Add(col);
            rows = Math.Min(rows, a.Count);
        }

        var widths = cells.Select((col, c) => col.Take(rows).Select(s => s.Length).Append(labels[c].Length).Max()).ToArray();
        void Row(Func<int, string> cell)
        {
            sb.Append(indent);
            for (var c = 0; c < widths.Length; c++)
            {
                sb.Append(cell(c).PadLeft(widths[c]));
                if (c + 1 < widths.Length)
                {
                    sb.Append(' ');
                }
            }

            sb.Append('\n');
        }

        Row(c => labels[c]);
        for (var r = 0; r < rows; r++)
        {
            Row(c => cells[c][r]);
        }

        return sb.ToString();
    }

    private static string CsvQuote(string s)
    {
        if (s.AsSpan().IndexOfAny("\" ,\\") < 0)
        {
            return s;
        }

        var sb = new StringBuilder("\"");
        foreach (var ch in s)
        {
            sb.Append(ch switch
            {
                '"' => "\"\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\t' => "\\t",
                _ => ch.ToString(),
            });
        }

        return sb.Append('"').ToString();
    }

    // The show mask with structures expanded to their subtrees and their parents added (pvDataCPP's expandBS).
    internal static BitSet ExpandShow(PvType type, BitSet? show)
    {
        var result = BitSet.WithCapacity(type.BitCount);
        if (show is null || show.Get(0))
        {
            result.SetRange(0, type.BitCount);
            return result;
        }

        for (var bit = show.NextSetBit(1); bit >= 0 && bit < type.BitCount; bit = show.NextSetBit(bit + 1))
        {
            result.SetRange(bit, bit + type.NodeAt(bit).Type.BitCount);
            MarkParents(type, bit, 0, result);
        }

        return result;
    }

    private static void MarkParents(PvType type, int offset, int baseOffset, BitSet result)
    {
        // Walk down from the root, marking each structure passed on the way to the node.
        result.Set(baseOffset);
        if (offset == 0 || type.Kind != TypeKind.Structure)
        {
            return;
        }

        var i = type.MemberIndexContaining(offset);
        MarkParents(type.Members[i].Type, offset - type.MemberOffset(i), baseOffset + type.MemberOffset(i), result);
    }

    // ---- pvget raw tree -----------------------------------------------------------------------------------------------

    private sealed class RawWriter(StringBuilder sb, PvFormatOptions options, BitSet? show)
    {
        public void Top(PvValue value, int level) => Node(value.Root, string.Empty, level);

        // printRaw: the structures pvget walks itself, honouring the show mask and decorating alarm_t/time_t/enum_t.
        private void Node(PvField f, string name, int level)
        {
            switch (f.Type.Kind)
            {
                case TypeKind.Structure:
                    Indent(level).Append(f.Type.DisplayId).Append(' ').Append(name);
                    switch (f.Type.Id)
                    {
                        case "alarm_t":
                            sb.Append(' ');
                            AppendAlarm(sb, f);
                            break;
                        case "time_t":
                            sb.Append(' ');
                            AppendTime(sb, f, options);
                            break;
                        case "enum_t" when NTEnum.IsEnum(f.Type):
                            sb.Append(' ');
                            AppendEnum(sb, f);
                            break;
                    }

                    sb.Append('\n');
                    foreach (var (childName, child) in f.Fields)
                    {
                        if (show is null || show.Get(child.Offset))
                        {
                            Node(child, childName, level + 1);
                        }
                    }

                    break;
                default:
                    Nested(f, name, level);
                    break;
            }
        }

        // PVField::dumpValue: what pvDataCPP prints below unions and structure arrays (no decoration, no mask).
        public void Nested(PvField f, string name, int level)
        {
            switch (f.Type.Kind)
            {
                case TypeKind.Scalar:
                    Indent(level).Append(f.Type.TypeName).Append(' ').Append(name).Append(' ');
                    AppendScalar(sb, f);
                    sb.Append('\n');
                    break;
                case TypeKind.ScalarArray:
                    Indent(level).Append(f.Type.TypeName).Append(' ').Append(name).Append(' ');
                    AppendArray(sb, f.GetArray(), options.ArrayLimit);
                    sb.Append('\n');
                    break;
                case TypeKind.Structure:
                    Indent(level).Append(f.Type.DisplayId).Append(' ').Append(name).Append('\n');
                    foreach (var (childName, child) in f.Fields)
                    {
                        Nested(child, childName, level + 1);
                    }

                    break;
                case TypeKind.Union or TypeKind.Variant:
                    Indent(level).Append(f.Type.TypeName).Append(' ').Append(name).Append('\n');
                    if (f.Content is { } content)
                    {
                        Nested(content.Root, string.Empty, level + 1);
                    }
                    else
                    {
                        Indent(level + 1).Append("(none)\n");
                    }

                    break;
                default:
                    Indent(level).Append(f.Type.TypeName).Append(' ').Append(name).Append('\n');
                    foreach (var e in f.Elements)
                    {
                        if (e is null)
                        {
                            Indent(level + 1).Append("(none)\n");
                        }
                        else
                        {
                            Nested(e.Root, string.Empty, level + 1);
                        }
                    }

                    break;
            }
        }

        private StringBuilder Indent(int level) => sb.Append(' ', level * 4);
    }

    // ---- pvxget flat form ---------------------------------------------------------------------------------------------

    private sealed class DeltaWriter(StringBuilder sb, PvFormatOptions options, string indent)
    {
        public void Top(string prefix, PvValue? value, BitSet? show, bool veryTop, bool header = true)
        {
            if (value is null)
            {
                sb.Append(indent).Append(prefix).Append(veryTop ? string.Empty : " ").Append("null\n");
                return;
            }

            if (!veryTop || header)
            {
                Line(prefix, value.Root, veryTop);
            }

            if (value.Type.Kind == TypeKind.Structure)
            {
                Children(prefix, value.Root, show, veryTop);
            }
        }

        private void Children(string prefix, PvField structure, BitSet? show, bool veryTop)
        {
            foreach (var (name, child) in structure.Fields)
            {
                var path = veryTop ? name : prefix + "." + name;
                if (child.Type.Kind == TypeKind.Structure)
                {
                    // Nested structures get no line of their own; their fields are printed with dotted paths.
                    Children(path, child, show, false);
                }
                else if (show is null || show.Get(child.Offset))
                {
                    Line(path, child, false);
                }
            }
        }

        private void Line(string prefix, PvField f, bool veryTop)
        {
            sb.Append(indent).Append(prefix);
            if (!veryTop)
            {
                sb.Append(' ');
            }

            sb.Append(TypeName(f.Type));
            if (f.Type.Kind == TypeKind.Structure && f.Type.Id.Length > 0)
            {
                sb.Append(" \"");
                AppendEscaped(sb, f.Type.Id);
                sb.Append('"');
            }

            switch (f.Type.Kind)
            {
                case TypeKind.Scalar:
                    sb.Append(" = ");
                    switch (f.Type.ScalarType)
                    {
                        case ScalarType.String:
                            sb.Append('"');
                            AppendEscaped(sb, f.GetString());
                            sb.Append('"');
                            break;
                        case ScalarType.Float or ScalarType.Double:
                            sb.Append(CNumber.G(f.GetDouble()));
                            break;
                        default:
                            sb.Append(f.GetString());
                            break;
                    }

                    break;
                case TypeKind.ScalarArray:
                    sb.Append(" = ");
                    AppendPvxsArray(f.GetArray());
                    break;
            }

            sb.Append('\n');
            switch (f.Type.Kind)
            {
                case TypeKind.Union:
                    if (f.Content is { } content)
                    {
                        Top(prefix + "->" + f.SelectedName, content, null, false);
                    }

                    break;
                case TypeKind.Variant:
                    Top(prefix + "->", f.Content, null, false);
                    break;
                case TypeKind.StructureArray or TypeKind.UnionArray or TypeKind.VariantArray:
                    var elements = f.Elements;
                    for (var i = 0; i < elements.Count; i++)
                    {
                        Top(prefix + "[" + i.ToString(CultureInfo.InvariantCulture) + "]", elements[i], null, false);
                    }

                    break;
            }
        }

        private void AppendPvxsArray(PvArray a)
        {
            sb.Append('{').Append(a.Count).Append("}[");
            var limit = options.ArrayLimit > 0 ? options.ArrayLimit : int.MaxValue;
            for (var i = 0; i < a.Count; i++)
            {
                if (i > 0)
                {
                    sb.Append(", ");
                }

                if (i >= limit)
                {
                    sb.Append("...");
                    break;
                }

                if (a.ElementType == ScalarType.String)
                {
                    sb.Append('"');
                    AppendEscaped(sb, a.Strings[i]);
                    sb.Append('"');
                }
                else
                {
                    AppendElement(sb, a, i);
                }
            }

            sb.Append(']');
        }

        private static string TypeName(PvType t) => t.Kind switch
        {
            TypeKind.Scalar => PvxsName(t.ScalarType),
            TypeKind.ScalarArray => PvxsName(t.ScalarType) + "[]",
            TypeKind.Structure => "struct",
            TypeKind.Union => "union",
            TypeKind.Variant => "any",
            TypeKind.StructureArray => "struct[]",
            TypeKind.UnionArray => "union[]",
            _ => "any[]",
        };

        private static string PvxsName(ScalarType t) => t switch
        {
            ScalarType.Boolean => "bool",
            ScalarType.Byte => "int8_t",
            ScalarType.Short => "int16_t",
            ScalarType.Int => "int32_t",
            ScalarType.Long => "int64_t",
            ScalarType.UByte => "uint8_t",
            ScalarType.UShort => "uint16_t",
            ScalarType.UInt => "uint32_t",
            ScalarType.ULong => "uint64_t",
            ScalarType.Float => "float",
            ScalarType.Double => "double",
            _ => "string",
        };
    }
}
