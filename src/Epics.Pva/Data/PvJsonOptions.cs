namespace Epics.Pva.Data;

/// <summary>Options for <see cref="PvJson.Format(PvValue, PvJsonOptions?)"/>.</summary>
public sealed record PvJsonOptions
{
    /// <summary>The defaults: JSON5 like <c>pvget -M json</c>, every field.</summary>
    public static PvJsonOptions Default { get; } = new();

    /// <summary>
    /// True (default) prints like pvget: keys that are identifiers unquoted, NaN/Infinity as such. False prints strict
    /// JSON (quoted keys, non-finite numbers as null).
    /// </summary>
    public bool Json5 { get; init; } = true;

    /// <summary>The fields to include, by bit offset (see <see cref="PvFormatOptions.Show"/>). Null includes everything.</summary>
    public BitSet? Show { get; init; }
}
