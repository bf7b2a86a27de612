using System.Globalization;

namespace Epics.Pva.Data.Text;

// Numbers as the C/C++ tools print them: iostream's default (printf %g with 6 significant digits) and yajl's %.17g.
internal static class CNumber
{
    public static string G(double value, int precision = 6)
    {
        if (double.IsNaN(value))
        {
            return "nan";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "inf" : "-inf";
        }

        if (value == 0)
        {
            return double.IsNegative(value) ? "-0" : "0";
        }

        // Round to the requested significant digits first: the exponent of the rounded value decides the style.
        var e = value.ToString("E" + (precision - 1).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        var ePos = e.IndexOf('E', StringComparison.Ordinal);
        var exponent = int.Parse(e.AsSpan(ePos + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        if (exponent < -4 || exponent >= precision)
        {
            var mantissa = TrimZeros(e[..ePos]);
            var sign = exponent < 0 ? "-" : "+";
            var digits = Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture);
            return mantissa + "e" + sign + digits;
        }

        var decimals = precision - 1 - exponent;
        return TrimZeros(value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture));
    }

    /// <summary>yajl's double output: %.17g, with ".0" added to integral values; JSON5 names for non-finite values.</summary>
    public static string Json(double value, bool json5)
    {
        if (!double.IsFinite(value))
        {
            return !json5 ? "null" : double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
        }

        var s = G(value, 17);
        return s.AsSpan().IndexOfAnyExcept("0123456789-") < 0 ? s + ".0" : s;
    }

    private static string TrimZeros(string s)
    {
        if (!s.Contains('.', StringComparison.Ordinal))
        {
            return s;
        }

        s = s.TrimEnd('0');
        return s.EndsWith('.') ? s[..^1] : s;
    }
}
