using Metering.Domain.Settlement;

namespace Metering.Settlement.Tests.Domain;

public sealed class StatementCalculatorTests
{
    [Fact]
    public void GrossAcrossTierBoundary_IsSharedMarginally()
    {
        // 10% of the first 1,000,000, 15% above: gross 1,500,000 owes 100,000 + 75,000.
        var terms = Terms.Reported("USD", null, (0m, 10m), (1_000_000m, 15m));

        var result = StatementCalculator.ComputePeriod(terms, [Terms.Usage("m", billed: 1_500_000_000_000)]);

        Assert.Equal(1_500_000m, result.GrossRevenue);
        Assert.Collection(
            result.TierApplications,
            t => Assert.Equal((0m, (decimal?)1_000_000m, 1_000_000m, 100_000m), (t.FromAmount, t.ToAmount, t.BaseAmount, t.ShareAmount)),
            t => Assert.Equal((1_000_000m, (decimal?)null, 500_000m, 75_000m), (t.FromAmount, t.ToAmount, t.BaseAmount, t.ShareAmount)));
        Assert.Equal(175_000m, result.ShareAmount);
        Assert.Equal("175000.00", DecimalText.Format(result.PeriodAmountOwed, 2));
        Assert.False(result.MinimumApplied);
    }

    [Fact]
    public void GrossBelowSecondTier_OmitsEmptyBands()
    {
        var terms = Terms.Reported("USD", null, (0m, 10m), (1_000m, 15m), (5_000m, 20m));

        var result = StatementCalculator.ComputePeriod(terms, [Terms.Usage("m", billed: 999_000_000)]);

        var only = Assert.Single(result.TierApplications);
        Assert.Equal(999m, only.BaseAmount);
        Assert.Equal(99.9m, only.ShareAmount);
    }

    [Fact]
    public void GrossExactlyAtTierBound_StaysInLowerBand()
    {
        var terms = Terms.Reported("USD", null, (0m, 10m), (1_000m, 15m));

        var result = StatementCalculator.ComputePeriod(terms, [Terms.Usage("m", billed: 1_000_000_000)]);

        Assert.Equal(100m, Assert.Single(result.TierApplications).ShareAmount);
    }

    [Fact]
    public void ShareBelowMinimum_ChargesMinimum()
    {
        var terms = Terms.Reported("USD", 250m, (0m, 10m));

        var result = StatementCalculator.ComputePeriod(terms, [Terms.Usage("m", billed: 1_000_000_000)]);

        Assert.Equal(100m, result.ShareAmount);
        Assert.True(result.MinimumApplied);
        Assert.Equal("250.00", DecimalText.Format(result.PeriodAmountOwed, 2));
    }

    [Fact]
    public void ShareEqualToMinimum_DoesNotApplyMinimum()
    {
        var result = StatementCalculator.ComputePeriod(Terms.Reported("USD", 100m, (0m, 10m)), [Terms.Usage("m", billed: 1_000_000_000)]);

        Assert.False(result.MinimumApplied);
        Assert.Equal(100m, result.PeriodAmountOwed);
    }

    [Fact]
    public void NoUsage_OwesMinimumOrNothing()
    {
        Assert.Equal(50m, StatementCalculator.ComputePeriod(Terms.Reported("USD", 50m, (0m, 10m)), []).PeriodAmountOwed);
        var none = StatementCalculator.ComputePeriod(Terms.Reported("USD", null, (0m, 10m)), []);
        Assert.Equal(0m, none.PeriodAmountOwed);
        Assert.Empty(none.TierApplications);
        Assert.Empty(none.Lines);
    }

    [Fact]
    public void UnpricedLine_AddsNothingToGrossAndIsFlagged()
    {
        var terms = Terms.RateCard("USD", null, [new RateCardEntry("gpt-x", 1m, 2m, 0m)], (0m, 20m));

        var result = StatementCalculator.ComputePeriod(terms, [Terms.Usage("mystery", input: 5_000_000), Terms.Usage("gpt-x", input: 3_000_000, output: 1_000_000)]);

        Assert.Equal(["gpt-x", "mystery"], result.Lines.Select(l => l.Model));
        Assert.Equal(5m, result.GrossRevenue);
        Assert.True(result.HasUnpricedLines);
        Assert.Equal(1m, result.PeriodAmountOwed);
    }

    [Fact]
    public void ShareAtHalfMinorUnit_RoundsToEven()
    {
        // 123,456.25 gross at 10% = 12,345.625 -> 12,345.62 (half to even), not 12,345.63.
        var result = StatementCalculator.ComputePeriod(Terms.Reported("USD", null, (0m, 10m)), [Terms.Usage("m", billed: 123_456_250_000)]);

        Assert.Equal(12_345.625m, result.ShareAmount);
        Assert.Equal("12345.62", DecimalText.Format(result.PeriodAmountOwed, 2));
    }

    [Fact]
    public void ZeroMinorUnitCurrency_OwesWholeUnits()
    {
        var result = StatementCalculator.ComputePeriod(Terms.Reported("JPY", null, (0m, 10m)), [Terms.Usage("m", billed: 12_345_000_000)]);

        Assert.Equal("1234", DecimalText.Format(result.PeriodAmountOwed, 0));
    }
}
