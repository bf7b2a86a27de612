using Epics.Pva.Data.NT.Internal;

namespace Epics.Pva.Data.NT;

/// <summary>The contents of a <c>control_t</c> structure.</summary>
/// <param name="LimitLow">Lower drive limit.</param>
/// <param name="LimitHigh">Upper drive limit.</param>
/// <param name="MinStep">Minimum step.</param>
public sealed record PvControl(double LimitLow = 0, double LimitHigh = 0, double MinStep = 0)
{
    /// <summary>Reads a control structure by field name.</summary>
    public static PvControl Read(PvField control) => new(
        NTFields.GetDouble(control, "limitLow"),
        NTFields.GetDouble(control, "limitHigh"),
        NTFields.GetDouble(control, "minStep"));

    /// <summary>Writes into a control structure.</summary>
    public void WriteTo(PvField control)
    {
        NTFields.TrySet(control, "limitLow", LimitLow);
        NTFields.TrySet(control, "limitHigh", LimitHigh);
        NTFields.TrySet(control, "minStep", MinStep);
    }
}
