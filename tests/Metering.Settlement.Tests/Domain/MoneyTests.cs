using Metering.Domain.Settlement;

namespace Metering.Settlement.Tests.Domain;

public sealed class MoneyTests
{
    [Theory]
    [InlineData("USD", "2.345", "2.34")]
    [InlineData("USD", "2.355", "2.36")]
    [InlineData("USD", "2.3450001", "2.35")]
    [InlineData("USD", "-2.345", "-2.34")]
    [InlineData("JPY", "1234.5", "1234")]
    [InlineData("JPY", "1235.5", "1236")]
    [InlineData("KWD", "1.00050", "1.000")]
    [InlineData("KWD", "1.00150", "1.002")]
    [InlineData("EUR", "7", "7.00")]
    public void RoundToMinorUnit_HalfToEven_FormatsWithMinorDigits(string currency, string amount, string expected)
    {
        var rounded = Money.RoundToMinorUnit(decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture), Currency.FromCode(currency));

        Assert.Equal(expected, DecimalText.Format(rounded, Currency.FromCode(currency).MinorUnits));
        Assert.Equal(expected, rounded.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("0.0000005", "0.000000")]
    [InlineData("0.0000015", "0.000002")]
    [InlineData("2937.5000625", "2937.500062")]
    [InlineData("-0.0000001", "0.000000")]
    [InlineData("12", "12.000000")]
    public void RoundLine_KeepsSixDecimalsHalfToEven(string amount, string expected)
        => Assert.Equal(expected, DecimalText.Format(Money.RoundLine(decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture)), Money.LineScale));

    [Theory]
    [InlineData("XYZ")]
    [InlineData("usd")]
    [InlineData("")]
    [InlineData("US")]
    public void UnknownCurrency_IsRejected(string code)
    {
        Assert.False(Currency.TryFromCode(code, out _));
        Assert.Throws<ArgumentException>(() => Currency.FromCode(code));
    }

    [Theory]
    [InlineData("USD", 2)]
    [InlineData("EUR", 2)]
    [InlineData("JPY", 0)]
    [InlineData("KRW", 0)]
    [InlineData("BHD", 3)]
    [InlineData("KWD", 3)]
    [InlineData("CLP", 0)]
    public void KnownCurrency_HasIso4217MinorUnits(string code, int minorUnits)
        => Assert.Equal(minorUnits, Currency.FromCode(code).MinorUnits);
}
