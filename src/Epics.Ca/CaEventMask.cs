namespace Epics.Ca;

/// <summary>Which changes a monitor (EVENT_ADD) is notified of (DBE_* bits).</summary>
[Flags]
public enum CaEventMask : ushort
{
    None = 0,
    /// <summary>Value changes (beyond the monitor deadband).</summary>
    Value = 1,
    /// <summary>Archive (log) changes.</summary>
    Log = 2,
    /// <summary>Alarm state changes.</summary>
    Alarm = 4,
    /// <summary>Metadata (property) changes.</summary>
    Property = 8,
}
