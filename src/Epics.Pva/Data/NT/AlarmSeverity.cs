namespace Epics.Pva.Data.NT;

/// <summary>The <c>alarm_t.severity</c> values (pva-protocol §9.1).</summary>
public enum AlarmSeverity
{
    /// <summary>No alarm.</summary>
    NoAlarm = 0,
    /// <summary>Minor alarm.</summary>
    Minor = 1,
    /// <summary>Major alarm.</summary>
    Major = 2,
    /// <summary>Invalid value.</summary>
    Invalid = 3,
    /// <summary>Undefined (pvDataCPP only).</summary>
    Undefined = 4,
}
