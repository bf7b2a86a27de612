namespace Epics.Pva.Data.NT;

/// <summary>The <c>alarm_t.status</c> values (pva-protocol §9.1).</summary>
public enum AlarmStatus
{
    /// <summary>No status.</summary>
    None = 0,
    /// <summary>Device status.</summary>
    Device = 1,
    /// <summary>Driver status.</summary>
    Driver = 2,
    /// <summary>Record status.</summary>
    Record = 3,
    /// <summary>Database status.</summary>
    DB = 4,
    /// <summary>Configuration status.</summary>
    Conf = 5,
    /// <summary>Undefined.</summary>
    Undefined = 6,
    /// <summary>Client status.</summary>
    Client = 7,
}
