namespace Epics.Pva.Data;

/// <summary>Options for the text forms of <see cref="PvFormatter"/>.</summary>
public sealed record PvFormatOptions
{
    /// <summary>The defaults: local time zone, arrays in full, every field.</summary>
    public static PvFormatOptions Default { get; } = new();

    /// <summary>The zone time stamps are printed in (pvget prints local time).</summary>
    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Local;

    /// <summary>
    /// Print at most this many elements of a scalar array, then <c>...</c> and the element count (0 = all). Use it for
    /// images, which can have millions of elements.
    /// </summary>
    public int ArrayLimit { get; init; }

    /// <summary>
    /// The fields to show, by bit offset (pvget shows only the fields the server marked valid); a structure's bit shows
    /// all of it, and bit 0 shows everything. Null shows everything.
    /// </summary>
    public BitSet? Show { get; init; }

    /// <summary>Indentation level of the first line (4 spaces per level); pvxget output is at level 1.</summary>
    public int IndentLevel { get; init; }
}
