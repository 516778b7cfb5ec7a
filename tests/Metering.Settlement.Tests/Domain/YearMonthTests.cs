using Metering.Domain.Settlement;

namespace Metering.Settlement.Tests.Domain;

public sealed class YearMonthTests
{
    [Theory]
    [InlineData("2025-01", 2025, 1)]
    [InlineData("2024-12", 2024, 12)]
    public void ValidMonth_Parses(string text, int year, int month)
    {
        Assert.True(YearMonth.TryParse(text, out var parsed));
        Assert.Equal(new YearMonth(year, month), parsed);
        Assert.Equal(text, parsed.ToString());
    }

    [Theory]
    [InlineData("2025-13")]
    [InlineData("2025-00")]
    [InlineData("2025-1")]
    [InlineData("25-01")]
    [InlineData("2025/01")]
    [InlineData("2025-01-01")]
    [InlineData("1969-12")]
    [InlineData("")]
    public void MalformedMonth_IsRejected(string text) => Assert.False(YearMonth.TryParse(text, out _));

    [Fact]
    public void LeapFebruary_SpansItsDaysInUtc()
    {
        var february = YearMonth.Parse("2024-02");

        Assert.Equal(new DateTime(2024, 2, 1, 0, 0, 0, DateTimeKind.Utc), february.StartUtc);
        Assert.Equal(new DateTime(2024, 3, 1, 0, 0, 0, DateTimeKind.Utc), february.EndUtc);
        Assert.Equal(YearMonth.Parse("2024-01"), february.Previous());
        Assert.Equal(YearMonth.Parse("2025-01"), YearMonth.Parse("2024-12").Next());
        Assert.Equal(february, YearMonth.Of(new DateTime(2024, 2, 29, 23, 59, 59, DateTimeKind.Utc)));
    }
}
