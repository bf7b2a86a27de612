using Pvstream.Ca;

namespace Pvstream.Cli.Tests;

/// <summary>The expected strings are what C's printf (glibc) prints for the same format and value.</summary>
public class CNumberFormatTests
{
    [Theory]
    [InlineData(3.5, "3.5")]
    [InlineData(100.0, "100")]
    [InlineData(4.25, "4.25")]
    [InlineData(0.0, "0")]
    [InlineData(-0.0, "-0")]
    [InlineData(123456.0, "123456")]
    [InlineData(1234567.0, "1.23457e+06")]
    [InlineData(999999.5, "1e+06")]
    [InlineData(1e6, "1e+06")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(0.00001, "1e-05")]
    [InlineData(0.30000000000000004, "0.3")]
    [InlineData(-2.5e-300, "-2.5e-300")]
    [InlineData(1.5e100, "1.5e+100")]
    [InlineData(double.PositiveInfinity, "inf")]
    [InlineData(double.NegativeInfinity, "-inf")]
    public void Default_is_percent_g(double value, string expected) =>
        Assert.Equal(expected, CNumberFormat.Default.Format(value));

    [Fact]
    public void NaN_prints_its_sign_like_glibc()
    {
        Assert.Equal("nan", CNumberFormat.Default.Format(BitConverter.Int64BitsToDouble(0x7FF8000000000000)));
        Assert.Equal("-nan", CNumberFormat.Default.Format(BitConverter.Int64BitsToDouble(unchecked((long)0xFFF8000000000000))));
    }

    [Theory]
    [InlineData('f', 2, 3.5, "3.50")]
    [InlineData('f', 0, 2.5, "2")]
    [InlineData('e', 3, 3.5, "3.500e+00")]
    [InlineData('e', 2, -1234.5, "-1.23e+03")]
    [InlineData('g', 3, 1234.5, "1.23e+03")]
    [InlineData('g', 10, 3.14159265358979, "3.141592654")]
    [InlineData('g', 0, 25.0, "2e+01")]
    public void Precision_options_follow_printf(char conversion, int precision, double value, string expected) =>
        Assert.Equal(expected, new CNumberFormat(conversion, precision).Format(value));
}
