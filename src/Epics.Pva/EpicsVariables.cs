using System.Collections;
using System.Globalization;

namespace Epics.Pva;

/// <summary>
/// The one reader of EPICS configuration variables (<c>EPICS_PVA_*</c>, <c>EPICS_PVAS_*</c>, <c>EPICS_CA_*</c>,
/// <c>EPICS_CAS_*</c>) for every options type: <see cref="PvaClientOptions"/>, <see cref="PvaServerOptions"/> and the
/// CA client and server options all parse lists, ports, booleans and durations here, the EPICS way. Values come from a
/// dictionary, so libraries never read the process environment implicitly: a host calls <see cref="FromProcess"/>.
/// A blank variable counts as unset; a malformed one throws a <see cref="FormatException"/> naming it.
/// </summary>
/// <example>
/// <code>
/// var env = EpicsVariables.FromProcess();
/// var client = PvaClientOptions.FromDictionary(env.Values);
/// var port = env.GetPort("EPICS_CAS_SERVER_PORT", "EPICS_CA_SERVER_PORT") ?? 5064;
/// </code>
/// </example>
public sealed class EpicsVariables
{
    /// <summary>Variables from <paramref name="values"/> (names are case-sensitive, as on Unix).</summary>
    public EpicsVariables(IReadOnlyDictionary<string, string> values) => Values = values ?? throw new ArgumentNullException(nameof(values));

    /// <summary>The variables.</summary>
    public IReadOnlyDictionary<string, string> Values { get; }

    /// <summary>The process environment's <c>EPICS_*</c> variables.</summary>
    public static EpicsVariables FromProcess()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            if (e.Key is string key && key.StartsWith("EPICS_", StringComparison.Ordinal) && e.Value is string value)
            {
                result[key] = value;
            }
        }

        return new EpicsVariables(result);
    }

    /// <summary>The trimmed value of the first of <paramref name="names"/> that is set to a non-blank value, or null.</summary>
    public string? GetString(params ReadOnlySpan<string> names)
    {
        foreach (var name in names)
        {
            if (Values.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value))
            {
                return value.Trim();
            }
        }

        return null;
    }

    /// <summary>
    /// An address or name list: entries separated by white space (commas are accepted too), duplicates dropped, order
    /// kept; null when none of <paramref name="names"/> is set.
    /// </summary>
    public IReadOnlyList<string>? GetList(params ReadOnlySpan<string> names) =>
        GetString(names)?.Split([' ', '\t', '\n', '\r', ','], StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal).ToArray();

    /// <summary>A yes/no switch: YES/NO, Y/N, TRUE/FALSE, ON/OFF, 1/0, any case.</summary>
    public bool? GetBool(params ReadOnlySpan<string> names)
    {
        var text = GetString(names);
        return text?.ToUpperInvariant() switch
        {
            null => null,
            "YES" or "Y" or "TRUE" or "1" or "ON" => true,
            "NO" or "N" or "FALSE" or "0" or "OFF" => false,
            _ => throw Malformed(names, text, "is not YES or NO"),
        };
    }

    /// <summary>A port number, 0-65535 (0 meaning "any free port" where the option allows it).</summary>
    public int? GetPort(params ReadOnlySpan<string> names)
    {
        var text = GetString(names);
        if (text is null)
        {
            return null;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535
            ? port
            : throw Malformed(names, text, "is not a port number (0-65535)");
    }

    /// <summary>A positive number (no more than 1e9).</summary>
    public double? GetPositiveNumber(params ReadOnlySpan<string> names)
    {
        var text = GetString(names);
        if (text is null)
        {
            return null;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0 && value <= 1e9
            ? value
            : throw Malformed(names, text, "is not a positive number");
    }

    /// <summary>A positive number of seconds (at most 1e6).</summary>
    public TimeSpan? GetSeconds(params ReadOnlySpan<string> names)
    {
        var text = GetString(names);
        if (text is null)
        {
            return null;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 && seconds <= 1e6
            ? TimeSpan.FromSeconds(seconds)
            : throw Malformed(names, text, "is not a positive number of seconds");
    }

    /// <summary>
    /// Splits an address-list entry <c>host</c>, <c>host:port</c>, <c>ipv6</c> or <c>[ipv6]:port</c>; the port
    /// defaults to <paramref name="defaultPort"/>. <paramref name="variable"/> names the list in errors.
    /// </summary>
    public static (string Host, int Port) SplitHostPort(string entry, int defaultPort, string variable = "address list")
    {
        ArgumentNullException.ThrowIfNull(entry);
        string host;
        string? portText = null;
        if (entry.StartsWith('['))
        {
            var close = entry.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || (close + 1 < entry.Length && entry[close + 1] != ':'))
            {
                throw new FormatException($"{variable}: '{entry}' is not host[:port]");
            }

            host = entry[1..close];
            portText = close + 2 <= entry.Length - 1 ? entry[(close + 2)..] : null;
        }
        else if (entry.IndexOf(':', StringComparison.Ordinal) is var colon and >= 0 && entry.LastIndexOf(':') == colon)
        {
            host = entry[..colon];
            portText = entry[(colon + 1)..];
        }
        else
        {
            host = entry; // a name, an IPv4 address, or a bare IPv6 address
        }

        if (host.Length == 0)
        {
            throw new FormatException($"{variable}: '{entry}' has no host");
        }

        if (portText is null)
        {
            return (host, defaultPort);
        }

        return int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535
            ? (host, port)
            : throw new FormatException($"{variable}: '{entry}' has a bad port number");
    }

    // Names the variable that actually held the value (a fallback may have been used).
    private FormatException Malformed(ReadOnlySpan<string> names, string text, string problem)
    {
        var name = names[0];
        foreach (var n in names)
        {
            if (Values.TryGetValue(n, out var v) && !string.IsNullOrWhiteSpace(v))
            {
                name = n;
                break;
            }
        }

        return new FormatException($"{name}: '{text}' {problem}");
    }
}
