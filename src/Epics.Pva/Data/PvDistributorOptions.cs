using System.Globalization;
using System.Text;

namespace Epics.Pva.Data;

/// <summary>
/// The data distributor plugin request, <c>_[distributor=group:G;set:S;trigger:uniqueId;updates:3;mode:one]</c>
/// (pva-protocol §10, framework §6.1). Unset properties are left out of the request text; the <c>Effective*</c>
/// properties give the values a server uses.
/// </summary>
public sealed record PvDistributorOptions
{
    /// <summary>The plugin name pvDatabaseCPP registers.</summary>
    public const string DistributorPlugin = "distributor";

    /// <summary>The plugin name pvaPy servers register.</summary>
    public const string PyDistributorPlugin = "pydistributor";

    /// <summary>The plugin name: <c>distributor</c> (pvDatabaseCPP) or <c>pydistributor</c> (pvaPy).</summary>
    public string PluginName { get; init; } = DistributorPlugin;

    /// <summary>The group id (independent distributor instance).</summary>
    public string? Group { get; init; }

    /// <summary>The set id (clients of a set share updates).</summary>
    public string? Set { get; init; }

    /// <summary>The field whose value identifies a distinct update.</summary>
    public string? Trigger { get; init; }

    /// <summary>Consecutive updates per client (mode one) or set (mode all); ≤ 0 disables the filter.</summary>
    public int? Updates { get; init; }

    /// <summary>The distribution mode.</summary>
    public PvDistributorMode? Mode { get; init; }

    /// <summary>The group, default <c>default</c>.</summary>
    public string EffectiveGroup => Group ?? "default";

    /// <summary>The set, default <c>default</c>.</summary>
    public string EffectiveSet => Set ?? "default";

    /// <summary>The trigger field, default <c>timeStamp</c>.</summary>
    public string EffectiveTrigger => Trigger ?? "timeStamp";

    /// <summary>Updates per turn, default 1.</summary>
    public int EffectiveUpdates => Updates ?? 1;

    /// <summary>The mode: as given, else <c>all</c> when a set was named and <c>one</c> otherwise.</summary>
    public PvDistributorMode EffectiveMode => Mode ?? (Set is null ? PvDistributorMode.One : PvDistributorMode.All);

    /// <summary>False when updates ≤ 0: then no filter is created and the client gets every update.</summary>
    public bool IsEnabled => EffectiveUpdates > 0;

    /// <summary>The option value: <c>group:G;set:S;trigger:T;updates:N;mode:M</c> with only the given keys, in that order.</summary>
    public string ToOptionValue()
    {
        var sb = new StringBuilder();
        void Add(string key, string? value)
        {
            if (value is not null)
            {
                sb.Append(sb.Length > 0 ? ";" : string.Empty).Append(key).Append(':').Append(value);
            }
        }

        Add("group", Group);
        Add("set", Set);
        Add("trigger", Trigger);
        Add("updates", Updates?.ToString(CultureInfo.InvariantCulture));
        Add("mode", Mode switch { PvDistributorMode.One => "one", PvDistributorMode.All => "all", _ => null });
        return sb.ToString();
    }

    /// <summary>
    /// Parses an option value as the plugin does: items split on ';' and trimmed, items without ':' ignored, keys
    /// matched case-insensitively by prefix, updates parsed leniently (invalid = 0), unknown keys and modes ignored.
    /// </summary>
    public static PvDistributorOptions Parse(string value, string pluginName = DistributorPlugin)
    {
        var result = new PvDistributorOptions { PluginName = pluginName };
        foreach (var raw in value.Split(';'))
        {
            var item = raw.Trim();
            var colon = item.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                continue;
            }

            var key = item[..colon].Trim().ToLowerInvariant();
            var v = item[(colon + 1)..].Trim();
            if (key.StartsWith("updates", StringComparison.Ordinal))
            {
                result = result with { Updates = Atoi(v) };
            }
            else if (key.StartsWith("group", StringComparison.Ordinal))
            {
                result = result with { Group = v };
            }
            else if (key.StartsWith("set", StringComparison.Ordinal))
            {
                result = result with { Set = v };
            }
            else if (key.StartsWith("trigger", StringComparison.Ordinal))
            {
                result = result with { Trigger = v };
            }
            else if (key.StartsWith("mode", StringComparison.Ordinal))
            {
                var mode = v.ToLowerInvariant() switch { "one" => PvDistributorMode.One, "all" => PvDistributorMode.All, _ => (PvDistributorMode?)null };
                result = mode is null ? result : result with { Mode = mode };
            }
        }

        return result;
    }

    // C atoi: optional sign and leading digits; anything else reads as 0.
    private static int Atoi(string s)
    {
        var i = 0;
        var negative = false;
        if (i < s.Length && s[i] is '+' or '-')
        {
            negative = s[i] == '-';
            i++;
        }

        long n = 0;
        while (i < s.Length && char.IsAsciiDigit(s[i]) && n < int.MaxValue)
        {
            n = (n * 10) + (s[i++] - '0');
        }

        return (int)Math.Clamp(negative ? -n : n, int.MinValue, int.MaxValue);
    }
}
