using Metering.Domain.Settlement;

namespace Metering.Settlement.Tests.Domain;

public sealed class RateCardTests
{
    private static readonly AgreementTerms WithWildcard = Terms.RateCard("USD", null,
        [new RateCardEntry("*", 0.10m, 0.30m, 0m), new RateCardEntry("llama-70b", 2m, 6m, 0.5m)], (0m, 10m));

    private static readonly AgreementTerms ExactOnly = Terms.RateCard("USD", null, [new RateCardEntry("llama-70b", 2m, 6m, 0.5m)], (0m, 10m));

    [Fact]
    public void ExactEntry_WinsOverWildcard()
    {
        var line = StatementCalculator.PriceLine(WithWildcard, StatementLineKind.Usage, "llama-70b", null, new UsageTotals(1_000_000, 1_000_000, 1_000, 0));

        Assert.Equal("llama-70b", line.RateCardModel);
        Assert.Equal(8.5m, line.GrossRevenue);
    }

    [Fact]
    public void ModelWithoutExactEntry_IsPricedByWildcard()
    {
        var line = StatementCalculator.PriceLine(WithWildcard, StatementLineKind.Usage, "mistral-7b", null, new UsageTotals(1_000_000, 1_000_000, 1_000, 0));

        Assert.Equal("*", line.RateCardModel);
        Assert.Equal(0.4m, line.GrossRevenue);
    }

    [Fact]
    public void ModelWithoutAnyEntry_IsUnpricedNotZero()
    {
        var line = StatementCalculator.PriceLine(ExactOnly, StatementLineKind.Usage, "mistral-7b", null, new UsageTotals(5_000_000, 0, 10, 0));

        Assert.True(line.Unpriced);
        Assert.Null(line.GrossRevenue);
        Assert.Null(line.RateCardModel);
        Assert.Equal(5_000_000, line.Usage.InputTokens);
    }

    [Fact]
    public void ModelMatching_IsCaseSensitive()
        => Assert.True(StatementCalculator.PriceLine(ExactOnly, StatementLineKind.Usage, "Llama-70B", null, new UsageTotals(1, 0, 0, 0)).Unpriced);

    [Fact]
    public void RateCardLine_IsRoundedToSixDecimalsHalfToEven()
    {
        // 1 token at 0.0000025 per million = 0.0000000000025 -> 0.000000; 3 tokens at 0.5 per million = 0.0000015 -> 0.000002.
        var terms = Terms.RateCard("USD", null, [new RateCardEntry("*", 0.5m, 0m, 0m)], (0m, 10m));

        Assert.Equal("0.000002", DecimalText.Format(StatementCalculator.PriceLine(terms, StatementLineKind.Usage, "m", null, new UsageTotals(3, 0, 0, 0)).GrossRevenue!.Value, 6));
        Assert.Equal("0.000000", DecimalText.Format(StatementCalculator.PriceLine(terms, StatementLineKind.Usage, "m", null, new UsageTotals(1, 0, 0, 0)).GrossRevenue!.Value, 6));
    }

    [Fact]
    public void ReportedLine_IsBilledMicrosOverOneMillion()
    {
        var line = StatementCalculator.PriceLine(Terms.Reported("USD", null, (0m, 10m)), StatementLineKind.Usage, "any", null, new UsageTotals(99, 99, 99, 1_234_567));

        Assert.Equal(1.234567m, line.GrossRevenue);
        Assert.Null(line.RateCardModel);
    }
}
