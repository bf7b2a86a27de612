using System.Globalization;
using System.Text;
using Epics.Ca;
using Epics.Ca.Client;
using Epics.Pva.Data;

namespace Pvstream.Ca;

/// <summary>
/// The text caget, caput and camonitor print (epics-base tool_lib), from the pvData values the CA client decodes:
/// the plain <c>name value</c> line, the terse value, the <c>-a</c>/camonitor line with timestamp and alarm, and the
/// <c>-d DBR_...</c> block.
/// </summary>
internal sealed record CaText(CNumberFormat Numbers)
{
    /// <summary>CA timestamps of 0 (the EPICS epoch) are printed as this, as the tools do.</summary>
    public const string Undefined = "<undefined>";

    /// <summary>Field width of a scalar channel's name (<c>%-30s</c>).</summary>
    private const int NameWidth = 30;

    /// <summary>caget without options (and caput's Old/New lines): <c>name value</c>, arrays as <c>name count v1 v2 ...</c>.</summary>
    public string Plain(string name, PvValue value, bool showCount)
    {
        var elements = Elements(value);
        return Name(name, elements.Length) + Values(elements, showCount) + "\n";
    }

    /// <summary>caget <c>-t</c>: the value alone (arrays: count then elements).</summary>
    public string Terse(PvValue value, bool showCount) => Values(Elements(value), showCount) + "\n";

    /// <summary>caget <c>-a</c> and camonitor: <c>name timestamp value [status severity]</c>.</summary>
    public string Wide(string name, PvValue value, bool showCount)
    {
        var elements = Elements(value);
        var alarm = CaValues.AlarmOf(value);
        var tail = alarm == CaAlarm.None
            ? " "
            : CaAlarm.StatusName(alarm.Status) + " " + CaAlarm.SeverityName(alarm.Severity);
        return Name(name, elements.Length) + TimeText(value) + " " + Values(elements, showCount) + " " + tail + "\n";
    }

    /// <summary>camonitor's line when a channel drops: the current time and <c>*** disconnected</c>.</summary>
    public static string Disconnected(string name, int count, DateTimeOffset now) =>
        Name(name, count) + FormatTime(now) + " *** disconnected\n";

    /// <summary>caget <c>-d DBR_...</c>: the request described line by line, with whatever metadata the type carries.</summary>
    public string Detailed(string name, CaChannelInfo info, DbrType type, PvValue value)
    {
        var elements = Elements(value);
        var s = new StringBuilder();
        s.Append(name).Append('\n');
        Line(s, "Native data type:", info.NativeType.CName(asField: true));
        Line(s, "Request type:", type.CName());
        if (type == DbrType.ClassName)
        {
            Line(s, "Class Name:", elements.FirstOrDefault() ?? string.Empty);
            return s.ToString();
        }

        Line(s, "Element count:", elements.Length.ToString(CultureInfo.InvariantCulture));
        Line(s, "Value:", string.Join(' ', elements));
        if (value.TryGetField("timeStamp", out _))
        {
            Line(s, "Timestamp:", TimeText(value));
        }

        if (value.TryGetField("alarm", out _))
        {
            var alarm = CaValues.AlarmOf(value);
            Line(s, "Status:", CaAlarm.StatusName(alarm.Status));
            Line(s, "Severity:", CaAlarm.SeverityName(alarm.Severity));
        }

        if (value.TryGetField("display", out var display))
        {
            var valueType = type.ValueType();
            var isFloat = valueType is DbrType.Double or DbrType.Float;
            // Integer types print limits with "%8d", floating ones with "%g".
            string Limit(PvField f) => isFloat
                ? CNumberFormat.Default.Format(f.GetDouble())
                : ((long)f.GetDouble()).ToString(CultureInfo.InvariantCulture).PadLeft(8);
            Line(s, "Units:", display["units"].GetString());
            if (isFloat)
            {
                Line(s, "Precision:", display["precision"].GetInt32().ToString(CultureInfo.InvariantCulture));
            }

            Line(s, "Lo disp limit:", Limit(display["limitLow"]));
            Line(s, "Hi disp limit:", Limit(display["limitHigh"]));
            if (value.TryGetField("valueAlarm", out var limits))
            {
                Line(s, "Lo alarm limit:", Limit(limits["lowAlarmLimit"]));
                Line(s, "Lo warn limit:", Limit(limits["lowWarningLimit"]));
                Line(s, "Hi warn limit:", Limit(limits["highWarningLimit"]));
                Line(s, "Hi alarm limit:", Limit(limits["highAlarmLimit"]));
            }

            if (value.TryGetField("control", out var control))
            {
                Line(s, "Lo ctrl limit:", Limit(control["limitLow"]));
                Line(s, "Hi ctrl limit:", Limit(control["limitHigh"]));
            }
        }

        if (value["value"].Type.Kind == TypeKind.Structure)
        {
            var choices = value["value.choices"].GetArray().Strings;
            Line(s, "Enums:", "(" + choices.Length.ToString(CultureInfo.InvariantCulture).PadLeft(2) + ")");
            for (var i = 0; i < choices.Length; i++)
            {
                s.Append(' ', 22).Append('[').Append(i.ToString(CultureInfo.InvariantCulture).PadLeft(2)).Append("] ")
                    .Append(choices[i]).Append('\n');
            }
        }

        return s.ToString();
    }

    /// <summary>The elements of the value field as text: numbers as <see cref="Numbers"/>, enum structures by state name.</summary>
    public string[] Elements(PvValue value)
    {
        var field = value["value"];
        switch (field.Type.Kind)
        {
            case TypeKind.Scalar:
                return [Element(field)];
            case TypeKind.ScalarArray:
                var array = field.GetArray();
                var result = new string[array.Count];
                for (var i = 0; i < result.Length; i++)
                {
                    result[i] = array.ElementType switch
                    {
                        ScalarType.String => array.Strings[i],
                        ScalarType.Double or ScalarType.Float => Numbers.Format(array.GetDouble(i)),
                        _ => Convert.ToString(array.GetElement(i), CultureInfo.InvariantCulture) ?? string.Empty,
                    };
                }

                return result;
            default:
                // NTEnum from DBR_GR/CTRL_ENUM: the state name when the index has one, else the number (as caget).
                var index = field["index"].GetInt32();
                var choices = field["choices"].GetArray().Strings;
                return [index >= 0 && index < choices.Length ? choices[index] : index.ToString(CultureInfo.InvariantCulture)];
        }
    }

    /// <summary>The value's timestamp as the tools print it (local time, microseconds), or <c>&lt;undefined&gt;</c>.</summary>
    public static string TimeText(PvValue value)
    {
        if (!value.TryGetField("timeStamp", out var ts))
        {
            return Undefined;
        }

        var seconds = ts["secondsPastEpoch"].GetInt64();
        var nanos = ts["nanoseconds"].GetInt64();
        if (seconds == CaValues.EpicsEpochOffset && nanos == 0)
        {
            return Undefined;
        }

        // The tools round nanoseconds to microseconds (without carrying into the next second), not truncate.
        var micros = Math.Min((nanos + 500) / 1000, 999_999);
        return FormatTime(DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(micros * 10));
    }

    private static string FormatTime(DateTimeOffset time) =>
        time.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture);

    private string Element(PvField field) => field.Type.ScalarType switch
    {
        ScalarType.String => field.GetString(),
        ScalarType.Double or ScalarType.Float => Numbers.Format(field.GetDouble()),
        _ => field.GetString(),
    };

    // Scalars get a padded name column; arrays are followed by a single space (tool_lib's "%-30s" vs "%s").
    private static string Name(string name, int count) => (count <= 1 ? name.PadRight(NameWidth) : name) + " ";

    private static string Values(string[] elements, bool showCount) =>
        showCount || elements.Length > 1
            ? elements.Length.ToString(CultureInfo.InvariantCulture) + " " + string.Join(' ', elements)
            : string.Join(' ', elements);

    private static void Line(StringBuilder s, string label, string text) =>
        s.Append("    ").Append(label.PadRight(18)).Append(text).Append('\n');
}
