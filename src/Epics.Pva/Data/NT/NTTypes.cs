namespace Epics.Pva.Data.NT;

/// <summary>
/// The standard sub-structures of the normative types (pva-protocol §9.1), with the IDs and field order pvDataCPP's
/// <c>standardField</c> and normativeTypesCPP put on the wire.
/// </summary>
public static class NTTypes
{
    /// <summary><c>alarm_t {int severity; int status; string message}</c>.</summary>
    public static PvType Alarm { get; } = AlarmWithId("alarm_t");

    /// <summary><c>time_t {long secondsPastEpoch; int nanoseconds; int userTag}</c>.</summary>
    public static PvType TimeStamp { get; } = TimeStampWithId("time_t");

    /// <summary>pvDataCPP <c>display_t {double limitLow; double limitHigh; string description; string format; string units}</c>.</summary>
    public static PvType Display { get; } = PvType.Builder("display_t")
        .Add("limitLow", ScalarType.Double)
        .Add("limitHigh", ScalarType.Double)
        .Add("description", ScalarType.String)
        .Add("format", ScalarType.String)
        .Add("units", ScalarType.String)
        .Build();

    /// <summary><c>control_t {double limitLow; double limitHigh; double minStep}</c>.</summary>
    public static PvType Control { get; } = PvType.Builder("control_t")
        .Add("limitLow", ScalarType.Double)
        .Add("limitHigh", ScalarType.Double)
        .Add("minStep", ScalarType.Double)
        .Build();

    /// <summary><c>enum_t {int index; string[] choices}</c>.</summary>
    public static PvType Enum { get; } = PvType.Builder("enum_t")
        .Add("index", ScalarType.Int)
        .AddArray("choices", ScalarType.String)
        .Build();

    /// <summary>NTNDArray <c>codec_t {string name; any parameters}</c>.</summary>
    public static PvType Codec { get; } = PvType.Builder("codec_t")
        .Add("name", ScalarType.String)
        .Add("parameters", PvType.Variant)
        .Build();

    /// <summary>NTNDArray <c>dimension_t {int size; int offset; int fullSize; int binning; boolean reverse}</c>.</summary>
    public static PvType Dimension { get; } = PvType.Builder("dimension_t")
        .Add("size", ScalarType.Int)
        .Add("offset", ScalarType.Int)
        .Add("fullSize", ScalarType.Int)
        .Add("binning", ScalarType.Int)
        .Add("reverse", ScalarType.Boolean)
        .Build();

    /// <summary>The alarm layout with another ID (pvaPy's NTAttribute uses a plain <c>structure</c>, i.e. "").</summary>
    public static PvType AlarmWithId(string id) => PvType.Builder(id)
        .Add("severity", ScalarType.Int)
        .Add("status", ScalarType.Int)
        .Add("message", ScalarType.String)
        .Build();

    /// <summary>The time layout with another ID (QSRV1 and pvaPy's NTAttribute use a plain <c>structure</c>).</summary>
    public static PvType TimeStampWithId(string id) => PvType.Builder(id)
        .Add("secondsPastEpoch", ScalarType.Long)
        .Add("nanoseconds", ScalarType.Int)
        .Add("userTag", ScalarType.Int)
        .Build();
}
