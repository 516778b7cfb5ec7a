using Metering.Grpc.Internal;
using Xunit;

namespace Metering.Tests.Grpc;

public sealed class PercentEncodingTests
{
    [Theory]
    [InlineData("plain text", "plain text")]
    [InlineData("100%", "100%25")]
    [InlineData("\t\ntab", "%09%0Atab")]
    [InlineData("ünï", "%C3%BCn%C3%AF")]
    public void Encode_EscapesNonPrintableAndPercent(string value, string expected)
    {
        Assert.Equal(expected, PercentEncoding.Encode(value));
        Assert.Equal(value, PercentEncoding.Decode(expected));
    }

    [Fact]
    public void Decode_MalformedEscape_KeepsItLiterally()
    {
        Assert.Equal("50%zz", PercentEncoding.Decode("50%zz"));
        Assert.Equal("end%", PercentEncoding.Decode("end%"));
    }

    [Theory]
    [InlineData("1H", 3600_000)]
    [InlineData("2M", 120_000)]
    [InlineData("3S", 3000)]
    [InlineData("250m", 250)]
    [InlineData("1500u", 1.5)]
    [InlineData("2000000n", 2)]
    public void GrpcTimeout_ParsesEveryUnit(string header, double milliseconds)
    {
        Assert.True(GrpcTimeout.TryParse(header, out var timeout));
        Assert.Equal(milliseconds, timeout.TotalMilliseconds, 3);
    }

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("123456789S")]
    [InlineData("-5S")]
    [InlineData("5x")]
    public void GrpcTimeout_RejectsMalformed(string header) => Assert.False(GrpcTimeout.TryParse(header, out _));

    [Fact]
    public void GrpcTimeout_FormatRoundTripsWithinEightDigits()
    {
        foreach (var span in new[] { TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(30), TimeSpan.FromHours(5), TimeSpan.FromDays(4000) })
        {
            var text = GrpcTimeout.Format(span);
            Assert.True(text.Length <= 9, text);
            Assert.True(GrpcTimeout.TryParse(text, out var parsed));
            Assert.True(Math.Abs((parsed - span).TotalMilliseconds) <= span.TotalMilliseconds * 0.001 + 0.001, $"{span} -> {text} -> {parsed}");
        }
    }
}
