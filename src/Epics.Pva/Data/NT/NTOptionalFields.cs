namespace Epics.Pva.Data.NT;

/// <summary>The optional fields of NTScalar, NTScalarArray, NTEnum and NTTable.</summary>
[Flags]
public enum NTOptionalFields
{
    /// <summary>Only the mandatory fields.</summary>
    None = 0,
    /// <summary><c>string descriptor</c>.</summary>
    Descriptor = 1,
    /// <summary><c>alarm_t alarm</c>.</summary>
    Alarm = 2,
    /// <summary><c>time_t timeStamp</c>.</summary>
    TimeStamp = 4,
    /// <summary><c>display_t display</c> (not NTEnum/NTTable).</summary>
    Display = 8,
    /// <summary><c>control_t control</c> (not NTEnum/NTTable).</summary>
    Control = 16,
}
