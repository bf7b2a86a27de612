using Epics.Pva.Data.NT.Internal;

namespace Epics.Pva.Data.NT;

/// <summary>
/// The contents of a display structure. Written to both layouts: pvDataCPP <c>display_t</c> (limitLow, limitHigh,
/// description, format, units) and the pvxs/QSRV2 one (…, units, precision, form); fields a structure lacks are skipped.
/// </summary>
/// <param name="LimitLow">Lower display limit.</param>
/// <param name="LimitHigh">Upper display limit.</param>
/// <param name="Description">Description text.</param>
/// <param name="Units">Engineering units.</param>
/// <param name="Format">pvDataCPP format string.</param>
/// <param name="Precision">pvxs precision (digits).</param>
public sealed record PvDisplay(
    double LimitLow = 0, double LimitHigh = 0, string Description = "", string Units = "", string Format = "", int Precision = 0)
{
    /// <summary>Reads a display structure by field name.</summary>
    public static PvDisplay Read(PvField display) => new(
        NTFields.GetDouble(display, "limitLow"),
        NTFields.GetDouble(display, "limitHigh"),
        NTFields.GetString(display, "description"),
        NTFields.GetString(display, "units"),
        NTFields.GetString(display, "format"),
        NTFields.GetInt32(display, "precision"));

    /// <summary>Writes into a display structure.</summary>
    public void WriteTo(PvField display)
    {
        NTFields.TrySet(display, "limitLow", LimitLow);
        NTFields.TrySet(display, "limitHigh", LimitHigh);
        NTFields.TrySet(display, "description", Description);
        NTFields.TrySet(display, "format", Format);
        NTFields.TrySet(display, "units", Units);
        NTFields.TrySet(display, "precision", Precision);
    }
}
