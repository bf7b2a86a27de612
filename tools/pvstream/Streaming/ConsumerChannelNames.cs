using System.Globalization;
using System.Text.RegularExpressions;
using Pvstream.Cli;

namespace Pvstream.Streaming;

/// <summary>
/// Channel names as the reference consumer resolves them: <c>_</c> alone means <c>pvapy:consumer:&lt;id&gt;:&lt;kind&gt;</c>,
/// and every <c>*</c> becomes the id formatted with <c>--id-format-spec</c> (a Python format spec such as <c>02d</c>).
/// </summary>
internal static partial class ConsumerChannelNames
{
    public static string? Resolve(string? name, string kind, int id, string? formatSpec)
    {
        if (name is null)
        {
            return null;
        }

        if (name == "_")
        {
            return $"pvapy:consumer:{id}:{kind}";
        }

        return name.Replace("*", FormatId(id, formatSpec), StringComparison.Ordinal);
    }

    /// <summary>The id under a Python integer format spec: [[fill]align][sign][0][width][,_][d].</summary>
    public static string FormatId(int id, string? spec)
    {
        if (string.IsNullOrEmpty(spec))
        {
            return id.ToString(CultureInfo.InvariantCulture);
        }

        var m = IntegerSpec().Match(spec);
        if (!m.Success)
        {
            throw new CliException($"Error: --id-format-spec '{spec}' is not an integer format spec (such as 02d or 3)", ExitCodes.BadInput);
        }

        var digits = Math.Abs((long)id).ToString(CultureInfo.InvariantCulture);
        var sign = id < 0 ? "-" : m.Groups["sign"].Value == "+" ? "+" : m.Groups["sign"].Value == " " ? " " : string.Empty;
        var width = m.Groups["width"].Success ? int.Parse(m.Groups["width"].Value, CultureInfo.InvariantCulture) : 0;
        var zero = m.Groups["zero"].Success && !m.Groups["align"].Success;
        if (zero)
        {
            return sign + digits.PadLeft(Math.Max(0, width - sign.Length), '0');
        }

        var text = sign + digits;
        var fill = m.Groups["fill"].Success ? m.Groups["fill"].Value[0] : ' ';
        return m.Groups["align"].Value switch
        {
            "<" => text.PadRight(width, fill),
            "^" => text.PadLeft((width + text.Length) / 2, fill).PadRight(width, fill),
            _ => text.PadLeft(width, fill),
        };
    }

    [GeneratedRegex(@"^(?:(?<fill>.)?(?<align>[<>^=]))?(?<sign>[+\- ])?(?<zero>0)?(?<width>\d+)?d?$")]
    private static partial Regex IntegerSpec();
}
