using Metering.Domain.Settlement;

namespace Metering.Settlement.Tests.Domain;

public sealed class DecimalTextTests
{
    [Theory]
    [InlineData("0", "0")]
    [InlineData("0.15", "0.15")]
    [InlineData("0.60", "0.60")]
    [InlineData("1000000", "1000000")]
    [InlineData("000012.5", "12.5")]
    [InlineData("0.000000000001", "0.000000000001")]
    public void ValidDecimal_ParsesAndKeepsItsScale(string text, string formatted)
    {
        Assert.True(DecimalText.TryParse(text, allowNegative: false, out var value, out _));
        Assert.Equal(formatted, DecimalText.Format(value));
    }

    [Theory]
    [InlineData("1e5")]
    [InlineData("+1")]
    [InlineData("1,000")]
    [InlineData(" 1")]
    [InlineData("1.")]
    [InlineData(".5")]
    [InlineData("0.0000000000001")]
    [InlineData("12345678901234567890123456789")]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("")]
    public void MalformedDecimal_IsRejectedWithReason(string text)
    {
        Assert.False(DecimalText.TryParse(text, allowNegative: false, out _, out var error));
        Assert.NotEmpty(error);
    }

    [Fact]
    public void NegativeDecimal_ParsesWhereAllowed()
    {
        Assert.True(DecimalText.TryParse("-12.500000", allowNegative: true, out var value, out _));
        Assert.Equal(-12.5m, value);
        Assert.Equal("-12.500000", DecimalText.Format(value, 6));
    }
}
