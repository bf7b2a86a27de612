using System.Globalization;
using System.Text;

namespace Epics.Streaming.Processors.Files;

/// <summary>
/// File names from the reference's Python <c>str.format</c> patterns, e.g. <c>bdp_{uniqueId:06d}.{processorId}.tiff</c>:
/// named fields with an optional format spec (<c>[[fill]align][sign][0][width][,][.precision][type]</c>, types
/// <c>d s x X o b f e g %</c>) and <c>{{</c>/<c>}}</c> for braces.
/// </summary>
public static class PythonFormat
{
    /// <summary><paramref name="format"/> with its fields replaced from <paramref name="fields"/> (integers, doubles or strings).</summary>
    /// <exception cref="FormatException">An unknown field, a bad spec or unbalanced braces.</exception>
    public static string Format(string format, IReadOnlyDictionary<string, object> fields)
    {
        ArgumentNullException.ThrowIfNull(format);
        ArgumentNullException.ThrowIfNull(fields);
        var result = new StringBuilder(format.Length + 16);
        for (var i = 0; i < format.Length; i++)
        {
            var c = format[i];
            if (c == '}')
            {
                if (i + 1 < format.Length && format[i + 1] == '}')
                {
                    result.Append('}');
                    i++;
                    continue;
                }

                throw new FormatException($"single '}}' in format '{format}'");
            }

            if (c != '{')
            {
                result.Append(c);
                continue;
            }

            if (i + 1 < format.Length && format[i + 1] == '{')
            {
                result.Append('{');
                i++;
                continue;
            }

            var end = format.IndexOf('}', i + 1);
            if (end < 0)
            {
                throw new FormatException($"unclosed '{{' in format '{format}'");
            }

            var field = format[(i + 1)..end];
            var colon = field.IndexOf(':', StringComparison.Ordinal);
            var name = colon < 0 ? field : field[..colon];
            var spec = colon < 0 ? string.Empty : field[(colon + 1)..];
            if (!fields.TryGetValue(name, out var value))
            {
                throw new FormatException($"unknown field '{name}' in format '{format}' (known: {string.Join(", ", fields.Keys)})");
            }

            result.Append(FormatValue(value, spec));
            i = end;
        }

        return result.ToString();
    }

    private static string FormatValue(object value, string spec)
    {
        var p = 0;
        char? fill = null;
        char? align = null;
        if (spec.Length >= 2 && spec[1] is '<' or '>' or '^' or '=')
        {
            fill = spec[0];
            align = spec[1];
            p = 2;
        }
        else if (spec.Length >= 1 && spec[0] is '<' or '>' or '^' or '=')
        {
            align = spec[0];
            p = 1;
        }

        var sign = '-';
        if (p < spec.Length && spec[p] is '+' or '-' or ' ')
        {
            sign = spec[p++];
        }

        if (p < spec.Length && spec[p] == '0')
        {
            fill ??= '0';
            align ??= '=';
            p++;
        }

        var width = ReadNumber(spec, ref p);
        var grouping = p < spec.Length && spec[p] == ',';
        if (grouping)
        {
            p++;
        }

        int? precision = null;
        if (p < spec.Length && spec[p] == '.')
        {
            p++;
            precision = ReadNumber(spec, ref p);
        }

        var type = p < spec.Length ? spec[p++] : '\0';
        if (p != spec.Length)
        {
            throw new FormatException($"invalid format spec '{spec}'");
        }

        var (body, negative, numeric) = Render(value, type, precision, grouping);
        var prefix = negative ? "-" : sign == '+' ? "+" : sign == ' ' ? " " : string.Empty;
        if (!numeric)
        {
            prefix = string.Empty;
        }

        var pad = Math.Max(0, width - prefix.Length - body.Length);
        var f = fill ?? ' ';
        return (align ?? (numeric ? '>' : '<')) switch
        {
            '<' => prefix + body + new string(f, pad),
            '^' => new string(f, pad / 2) + prefix + body + new string(f, pad - (pad / 2)),
            '=' => prefix + new string(f, pad) + body,
            _ => new string(f, pad) + prefix + body,
        };
    }

    private static (string Body, bool Negative, bool Numeric) Render(object value, char type, int? precision, bool grouping)
    {
        var inv = CultureInfo.InvariantCulture;
        switch (value)
        {
            case string s:
                return type is '\0' or 's'
                    ? (precision is { } cut && cut < s.Length ? s[..cut] : s, false, false)
                    : throw new FormatException($"format type '{type}' does not apply to a string");
            case int or long or uint or ulong or short or ushort or byte or sbyte:
            {
                var n = Convert.ToDecimal(value, inv);
                var magnitude = Math.Abs(n);
                var whole = (ulong)magnitude;
                var body = type switch
                {
                    '\0' or 'd' or 'n' => grouping ? whole.ToString("#,0", inv) : whole.ToString(inv),
                    'x' => whole.ToString("x", inv),
                    'X' => whole.ToString("X", inv),
                    'o' => Convert.ToString((long)whole, 8),
                    'b' => Convert.ToString((long)whole, 2),
                    'f' or 'F' or 'e' or 'E' or 'g' or 'G' or '%' => Render((double)n, type, precision, grouping).Body,
                    _ => throw new FormatException($"format type '{type}' does not apply to an integer"),
                };
                return (body, n < 0, true);
            }

            case double or float or decimal:
            {
                var d = Convert.ToDouble(value, inv);
                var magnitude = Math.Abs(d);
                var digits = precision ?? 6;
                var body = type switch
                {
                    'f' or 'F' => magnitude.ToString((grouping ? "#,0." : "0.") + new string('0', digits), inv).TrimEnd('.'),
                    'e' or 'E' => magnitude.ToString((type == 'e' ? "0." + new string('0', digits) + "e+00" : "0." + new string('0', digits) + "E+00"), inv).Replace(".e", "e", StringComparison.Ordinal).Replace(".E", "E", StringComparison.Ordinal),
                    '%' => (magnitude * 100).ToString("0." + new string('0', digits), inv).TrimEnd('.') + "%",
                    'g' or 'G' or '\0' => magnitude.ToString(precision is { } g ? "G" + g : "R", inv),
                    _ => throw new FormatException($"format type '{type}' does not apply to a number"),
                };
                return (body, d < 0, true);
            }

            default:
                return Render(value.ToString() ?? string.Empty, type, precision, grouping);
        }
    }

    private static int ReadNumber(string spec, ref int p)
    {
        var n = 0;
        while (p < spec.Length && char.IsAsciiDigit(spec[p]))
        {
            n = checked((n * 10) + (spec[p++] - '0'));
        }

        return n;
    }
}
