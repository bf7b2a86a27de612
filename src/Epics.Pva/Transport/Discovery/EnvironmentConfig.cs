using System.Collections;
using System.Globalization;

namespace Epics.Pva.Transport.Discovery;

/// <summary>Reads EPICS_* configuration variables (pva-protocol §5.6); bad values throw one clear exception.</summary>
internal static class EnvironmentConfig
{
    /// <summary>The process environment's EPICS_* variables.</summary>
    public static IReadOnlyDictionary<string, string> FromProcess()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            if (e.Key is string key && key.StartsWith("EPICS_", StringComparison.Ordinal) && e.Value is string value)
            {
                result[key] = value;
            }
        }

        return result;
    }

    /// <summary>The first of <paramref name="names"/> that is set to a non-blank value.</summary>
    public static string? Get(IReadOnlyDictionary<string, string> env, params ReadOnlySpan<string> names)
    {
        foreach (var name in names)
        {
            if (env.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value))
            {
                return value.Trim();
            }
        }

        return null;
    }

    /// <summary>A space-separated list (commas accepted too); null when none of the names is set.</summary>
    public static IReadOnlyList<string>? GetList(IReadOnlyDictionary<string, string> env, params ReadOnlySpan<string> names)
    {
        var text = Get(env, names);
        return text?.Split([' ', '\t', '\n', '\r', ','], StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>YES/NO, TRUE/FALSE, 1/0, case-insensitive.</summary>
    public static bool? GetBool(IReadOnlyDictionary<string, string> env, params ReadOnlySpan<string> names)
    {
        var text = Get(env, names);
        if (text is null)
        {
            return null;
        }

        return text.ToUpperInvariant() switch
        {
            "YES" or "Y" or "TRUE" or "1" or "ON" => true,
            "NO" or "N" or "FALSE" or "0" or "OFF" => false,
            _ => throw new ArgumentException($"{names[0]}: '{text}' is not YES or NO"),
        };
    }

    public static int? GetPort(IReadOnlyDictionary<string, string> env, params ReadOnlySpan<string> names)
    {
        var text = Get(env, names);
        if (text is null)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            throw new ArgumentException($"{names[0]}: '{text}' is not a port number (0-65535)");
        }

        return port;
    }

    /// <summary>A positive number of seconds.</summary>
    public static TimeSpan? GetSeconds(IReadOnlyDictionary<string, string> env, params ReadOnlySpan<string> names)
    {
        var text = Get(env, names);
        if (text is null)
        {
            return null;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || !(seconds > 0) || seconds > 1e6)
        {
            throw new ArgumentException($"{names[0]}: '{text}' is not a positive number of seconds");
        }

        return TimeSpan.FromSeconds(seconds);
    }
}
