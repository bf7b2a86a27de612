using System.Globalization;

namespace Epics.Streaming.Processing;

/// <summary>
/// A statistic that carries a unit (<c>s</c>, <c>Hz</c>, <c>fps</c>, <c>B</c>, <c>MBps</c>...): the status channel gets the
/// plain number, reports print it with four decimals and the unit (<c>12.3457fps</c>; zero prints <c>0.0fps</c>).
/// </summary>
public readonly record struct UnitValue(double Value, string Unit)
{
    /// <inheritdoc />
    public override string ToString() => Value == 0
        ? "0.0" + Unit
        : Value.ToString("0.0000", CultureInfo.InvariantCulture) + Unit;
}
