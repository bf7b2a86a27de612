namespace Epics.Ca;

/// <summary>The metadata family of a <see cref="DbrType"/>.</summary>
public enum DbrFamily
{
    /// <summary>The value alone.</summary>
    Plain = 0,
    /// <summary>Value and alarm.</summary>
    Status = 1,
    /// <summary>Value, alarm and timestamp.</summary>
    Time = 2,
    /// <summary>Value, alarm, units, precision, display and alarm limits.</summary>
    Graphic = 3,
    /// <summary>As <see cref="Graphic"/> plus control limits.</summary>
    Control = 4,
}
