using System.Collections.Concurrent;
using Epics.Pva.Data;

namespace Epics.Ca;

/// <summary>
/// How CA data is presented as pvData values, so the rest of pvstream handles CA like PVA: an NTScalar-like structure
/// <c>{value, alarm{severity,status,message}, timeStamp{secondsPastEpoch,nanoseconds,userTag}}</c> for DBR_TIME_*,
/// plus <c>display</c>/<c>control</c>/<c>valueAlarm</c> for DBR_GR_*/DBR_CTRL_*, and an NTEnum for the GR/CTRL enum
/// types. Timestamps are converted from the EPICS epoch (1990) to POSIX.
/// </summary>
public static class CaValues
{
    /// <summary>Seconds between the POSIX epoch (1970) and the EPICS epoch (1990-01-01 UTC).</summary>
    public const long EpicsEpochOffset = 631152000;

    private static readonly ConcurrentDictionary<(DbrType, bool), PvType> Types = new();

    /// <summary>The pvData type a DBR type decodes to (<paramref name="array"/>: the value is a scalar array).</summary>
    public static PvType TypeFor(DbrType type, bool array) => Types.GetOrAdd((type, array), static k => Build(k.Item1, k.Item2));

    /// <summary>The pvData scalar type used for a CA value type (enum → ushort, char → ubyte, long → int).</summary>
    public static ScalarType ScalarTypeOf(DbrType type) => type.ValueType() switch
    {
        DbrType.String => ScalarType.String,
        DbrType.Short => ScalarType.Short,
        DbrType.Float => ScalarType.Float,
        DbrType.Enum => ScalarType.UShort,
        DbrType.Char => ScalarType.UByte,
        DbrType.Long => ScalarType.Int,
        _ => ScalarType.Double,
    };

    /// <summary>
    /// Maps a CA alarm status (record STAT) onto PVA's <c>alarm_t.status</c> (0 NONE, 1 DEVICE, 2 DRIVER, 3 RECORD,
    /// 4 DB, 5 CONF, 6 UNDEFINED, 7 CLIENT). The CA name goes into <c>alarm.message</c>.
    /// </summary>
    public static int PvaAlarmStatus(CaAlarmStatus status) => status switch
    {
        CaAlarmStatus.NoAlarm => 0,
        CaAlarmStatus.Read or CaAlarmStatus.Write or CaAlarmStatus.Comm or CaAlarmStatus.Timeout or CaAlarmStatus.HwLimit => 1,
        CaAlarmStatus.Scan or CaAlarmStatus.Link => 4,
        CaAlarmStatus.Soft or CaAlarmStatus.BadSub => 5,
        CaAlarmStatus.Udf => 6,
        CaAlarmStatus.ReadAccess or CaAlarmStatus.WriteAccess => 7,
        _ => 3,
    };

    /// <summary>The CA alarm carried by a decoded value (none when the type has no alarm).</summary>
    public static CaAlarm AlarmOf(PvValue value)
    {
        if (!value.TryGetField("alarm", out var alarm))
        {
            return CaAlarm.None;
        }

        var text = alarm["message"].GetString();
        var status = CaAlarmStatus.NoAlarm;
        for (var s = CaAlarmStatus.NoAlarm; s <= CaAlarmStatus.WriteAccess; s++)
        {
            if (CaAlarm.StatusName(s) == text)
            {
                status = s;
            }
        }

        return new CaAlarm((CaSeverity)alarm["severity"].GetInt32(), status);
    }

    /// <summary>A decoded value's timestamp (UTC), or null when its type has none.</summary>
    public static DateTimeOffset? TimeStampOf(PvValue value) => value.TryGetField("timeStamp", out var ts)
        ? DateTimeOffset.FromUnixTimeSeconds(ts["secondsPastEpoch"].GetInt64()).AddTicks(ts["nanoseconds"].GetInt64() / 100)
        : null;

    private static PvType Build(DbrType type, bool array)
    {
        var valueType = type.ValueType();
        var family = type.IsValueFamily() ? type.Family() : DbrFamily.Plain;
        var hasAlarm = family != DbrFamily.Plain || type == DbrType.StsackString;
        var isEnumStruct = valueType == DbrType.Enum && family >= DbrFamily.Graphic;
        var scalar = ScalarTypeOf(valueType);
        var b = PvType.Builder(isEnumStruct ? "epics:nt/NTEnum:1.0"
            : array ? "epics:nt/NTScalarArray:1.0" : "epics:nt/NTScalar:1.0");
        if (isEnumStruct)
        {
            b.AddStructure("value", "enum_t", e => e.Add("index", ScalarType.Int).AddArray("choices", ScalarType.String));
        }
        else
        {
            b.Add("value", array ? PvType.Array(scalar) : PvType.Scalar(scalar));
        }

        if (hasAlarm)
        {
            b.AddStructure("alarm", "alarm_t", a => a.Add("severity", ScalarType.Int).Add("status", ScalarType.Int)
                .Add("message", ScalarType.String));
        }

        if (family == DbrFamily.Time)
        {
            b.AddStructure("timeStamp", "time_t", t => t.Add("secondsPastEpoch", ScalarType.Long)
                .Add("nanoseconds", ScalarType.Int).Add("userTag", ScalarType.Int));
        }

        if (family >= DbrFamily.Graphic && valueType is not (DbrType.String or DbrType.Enum))
        {
            b.AddStructure("display", "display_t", d => d.Add("limitLow", ScalarType.Double).Add("limitHigh", ScalarType.Double)
                .Add("description", ScalarType.String).Add("units", ScalarType.String).Add("precision", ScalarType.Int));
            if (family == DbrFamily.Control)
            {
                b.AddStructure("control", "control_t", c => c.Add("limitLow", ScalarType.Double)
                    .Add("limitHigh", ScalarType.Double).Add("minStep", ScalarType.Double));
            }

            b.AddStructure("valueAlarm", "valueAlarm_t", v => v.Add("active", ScalarType.Boolean)
                .Add("lowAlarmLimit", ScalarType.Double).Add("lowWarningLimit", ScalarType.Double)
                .Add("highWarningLimit", ScalarType.Double).Add("highAlarmLimit", ScalarType.Double));
        }

        return b.Build();
    }
}
