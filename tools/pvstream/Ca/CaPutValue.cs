using System.Globalization;
using System.Text;
using Epics.Ca;
using Epics.Ca.Client;
using Pvstream.Cli;

namespace Pvstream.Ca;

/// <summary>
/// Turns caput's words into what <see cref="CaClient.PutAsync(string, object, bool, CancellationToken)"/> sends, checked
/// against the channel's native type first so that a typo is a bad-input error rather than a rejected write.
/// </summary>
internal static class CaPutValue
{
    /// <summary>A DBR_STRING element holds 39 bytes of text plus the terminating NUL.</summary>
    public const int MaxStringBytes = 39;

    /// <summary>
    /// The value for <paramref name="info"/>'s native type: numbers for numeric channels, text for string channels,
    /// state indexes for enums (<paramref name="choices"/> are its state names). <paramref name="asArray"/> keeps the
    /// words as elements; otherwise they are joined with spaces into one value, as caput does.
    /// </summary>
    public static object Parse(CaChannelInfo info, IReadOnlyList<string> words, bool asArray, bool asString, IReadOnlyList<string>? choices)
    {
        var elements = asArray ? [.. words] : new[] { string.Join(' ', words) };
        if (asString || info.NativeType == DbrType.String)
        {
            foreach (var e in elements)
            {
                if (Encoding.UTF8.GetByteCount(e) > MaxStringBytes)
                {
                    throw Bad($"'{e}' is longer than the {MaxStringBytes} bytes a CA string holds");
                }
            }

            return asArray ? elements : elements[0];
        }

        if (info.NativeType == DbrType.Enum)
        {
            var indexes = elements.Select(e => StateIndex(info.Name, e, choices ?? [])).ToArray();
            return asArray ? indexes : indexes[0];
        }

        var numbers = elements.Select(e => Number(info, e)).ToArray();
        return asArray ? numbers : numbers[0];
    }

    private static double Number(CaChannelInfo info, string text)
    {
        var t = text.Trim();
        if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        // Integer fields also take hex, as the IOC's string conversion does.
        if (info.NativeType is DbrType.Long or DbrType.Short or DbrType.Char &&
            t.StartsWith("0x", StringComparison.OrdinalIgnoreCase) &&
            long.TryParse(t.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex))
        {
            return hex;
        }

        throw Bad($"'{text}' is not a number ({info.Name} is {info.NativeType.CName(asField: true)})");
    }

    private static short StateIndex(string name, string text, IReadOnlyList<string> choices)
    {
        for (var i = 0; i < choices.Count; i++)
        {
            if (choices[i] == text)
            {
                return (short)i;
            }
        }

        if (short.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var index) && index >= 0 &&
            (choices.Count == 0 || index < choices.Count))
        {
            return index;
        }

        throw Bad($"'{text}' is not a state of {name} ({string.Join(", ", choices)})");
    }

    private static CliException Bad(string message) => new($"Error: {message}", ExitCodes.BadInput);
}
