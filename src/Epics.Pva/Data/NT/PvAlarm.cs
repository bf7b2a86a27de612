using Epics.Pva.Data.NT.Internal;

namespace Epics.Pva.Data.NT;

/// <summary>The contents of an <c>alarm_t</c> structure.</summary>
/// <param name="Severity">The alarm severity.</param>
/// <param name="Status">The alarm status.</param>
/// <param name="Message">The alarm message (QSRV puts the CA status text here, e.g. "HIHI").</param>
public readonly record struct PvAlarm(AlarmSeverity Severity, AlarmStatus Status = AlarmStatus.None, string Message = "")
{
    /// <summary>No alarm.</summary>
    public static PvAlarm None => new(AlarmSeverity.NoAlarm, AlarmStatus.None, string.Empty);

    /// <summary>Reads an alarm structure by field name; absent fields read as 0 / "".</summary>
    public static PvAlarm Read(PvField alarm) => new(
        (AlarmSeverity)NTFields.GetInt32(alarm, "severity"),
        (AlarmStatus)NTFields.GetInt32(alarm, "status"),
        NTFields.GetString(alarm, "message"));

    /// <summary>Writes into an alarm structure (fields it lacks are skipped).</summary>
    public void WriteTo(PvField alarm)
    {
        NTFields.TrySet(alarm, "severity", (int)Severity);
        NTFields.TrySet(alarm, "status", (int)Status);
        NTFields.TrySet(alarm, "message", Message ?? string.Empty);
    }
}
