namespace Epics.Ca.Server;

/// <summary>
/// What a served PV reports through DBR_GR_*/DBR_CTRL_* (units, precision, limits) and DBR_CLASS_NAME. Precision also
/// sets how many decimals DBR_STRING conversions show.
/// </summary>
public sealed record CaPvMetadata
{
    /// <summary>No units, precision 0, all limits 0 (what a fresh soft record reports).</summary>
    public static CaPvMetadata Default { get; } = new();

    public string Units { get; init; } = string.Empty;
    public short Precision { get; init; }
    public double DisplayLow { get; init; }
    public double DisplayHigh { get; init; }
    public double AlarmLow { get; init; }
    public double WarningLow { get; init; }
    public double WarningHigh { get; init; }
    public double AlarmHigh { get; init; }
    public double ControlLow { get; init; }
    public double ControlHigh { get; init; }

    /// <summary>The record type DBR_CLASS_NAME returns; null picks <c>ai</c> or <c>waveform</c>.</summary>
    public string? ClassName { get; init; }
}
