namespace Epics.Ca;

/// <summary>CA alarm severity (the record SEVR field).</summary>
public enum CaSeverity : short
{
    NoAlarm = 0,
    Minor = 1,
    Major = 2,
    Invalid = 3,
}
