using System.Globalization;

namespace Pvstream.Ca;

/// <summary>
/// Doubles printed as C's <c>printf</c> does (<c>%g</c>, <c>%f</c>, <c>%e</c> with a precision), because the CA tools
/// print floating-point values with <c>"%g"</c> (or <c>-e/-f/-g &lt;n&gt;</c>) and scripts compare that text.
/// </summary>
internal sealed record CNumberFormat(char Conversion, int Precision)
{
    /// <summary>caget's default, <c>%g</c>: six significant digits, trailing zeros removed.</summary>
    public static CNumberFormat Default { get; } = new('g', 6);

    public string Format(double value)
    {
        if (double.IsNaN(value))
        {
            return double.IsNegative(value) ? "-nan" : "nan";
        }

        if (double.IsInfinity(value))
        {
            return value < 0 ? "-inf" : "inf";
        }

        return Conversion switch
        {
            'f' => Fixed(value, Precision),
            'e' => Exponent(value, Precision),
            _ => General(value, Precision),
        };
    }

    private static string Fixed(double value, int precision) =>
        value.ToString("F" + precision.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    // .NET writes at least three exponent digits ("1.5E+003"); C writes at least two ("1.5e+03").
    private static string Exponent(double value, int precision)
    {
        var text = value.ToString("E" + precision.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        var e = text.IndexOf('E', StringComparison.Ordinal);
        var exponent = int.Parse(text.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        return text[..e] + "e" + (exponent < 0 ? "-" : "+") + Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture);
    }

    // %g: the exponent X of the value rounded to P significant digits picks %f (P > X >= -4) or %e; then trailing
    // zeros of the fraction (and a bare decimal point) are dropped.
    private static string General(double value, int precision)
    {
        var p = precision == 0 ? 1 : precision;
        var e = Exponent(value, p - 1);
        var x = int.Parse(e.AsSpan(e.IndexOf('e', StringComparison.Ordinal) + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        if (x < p && x >= -4)
        {
            return TrimZeros(Fixed(value, p - 1 - x));
        }

        var mark = e.IndexOf('e', StringComparison.Ordinal);
        return TrimZeros(e[..mark]) + e[mark..];
    }

    private static string TrimZeros(string number) =>
        number.Contains('.', StringComparison.Ordinal) ? number.TrimEnd('0').TrimEnd('.') : number;
}
