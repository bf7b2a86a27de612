namespace Epics.Ca;

/// <summary>A CA alarm: severity and status, as carried by the STS/TIME/GR/CTRL DBR types.</summary>
/// <param name="Severity">Alarm severity.</param>
/// <param name="Status">Alarm status (the record's STAT).</param>
public readonly record struct CaAlarm(CaSeverity Severity, CaAlarmStatus Status)
{
    /// <summary>No alarm.</summary>
    public static CaAlarm None => default;

    /// <summary>The status as EPICS tools print it (<c>HIHI</c>, <c>UDF</c>, <c>NO_ALARM</c>).</summary>
    public static string StatusName(CaAlarmStatus status) => status switch
    {
        CaAlarmStatus.NoAlarm => "NO_ALARM",
        CaAlarmStatus.HiHi => "HIHI",
        CaAlarmStatus.LoLo => "LOLO",
        CaAlarmStatus.HwLimit => "HWLIMIT",
        CaAlarmStatus.BadSub => "BAD_SUB",
        CaAlarmStatus.ReadAccess => "READ_ACCESS",
        CaAlarmStatus.WriteAccess => "WRITE_ACCESS",
        _ => status.ToString().ToUpperInvariant(),
    };

    /// <summary>The severity as EPICS tools print it (<c>NO_ALARM</c>, <c>MINOR</c>, <c>MAJOR</c>, <c>INVALID</c>).</summary>
    public static string SeverityName(CaSeverity severity) => severity switch
    {
        CaSeverity.NoAlarm => "NO_ALARM",
        CaSeverity.Minor => "MINOR",
        CaSeverity.Major => "MAJOR",
        CaSeverity.Invalid => "INVALID",
        _ => ((short)severity).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
