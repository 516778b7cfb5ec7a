using Metering.Domain.Settlement;

namespace Metering.Settlement.Tests.Domain;

public sealed class AdjustmentCalculatorTests
{
    private static readonly YearMonth January = YearMonth.Parse("2025-01");

    // 1.00 per million input tokens; 10% up to 100, 20% above; minimum 5.
    private static readonly AgreementTerms JanuaryTerms = Terms.RateCard("USD", 5m, [new RateCardEntry("*", 1m, 0m, 0m)], (0m, 10m), (100m, 20m));

    [Fact]
    public void LateUsage_IsDifferenceInUsageGrossShareAndOwed()
    {
        var final = Final([Terms.Usage("m", input: 30_000_000)]);   // gross 30, share 3, minimum -> owes 5.00
        var settled = SettledPeriod.Create(final, JanuaryTerms, [], []);

        var adjustment = AdjustmentCalculator.Compute(settled, [Terms.Usage("m", input: 80_000_000)]);   // gross 80, share 8, owes 8.00

        Assert.NotNull(adjustment);
        Assert.Equal(new PeriodAdjustment(January, "st_jan", 50m, 5m, 3m), adjustment.Summary);
        var line = Assert.Single(adjustment.Lines);
        Assert.Equal(StatementLineKind.Adjustment, line.Kind);
        Assert.Equal(January, line.CorrectsPeriod);
        Assert.Equal(new UsageTotals(50_000_000, 0, 0, 0), line.Usage);
        Assert.Equal(50m, line.GrossRevenue);
        Assert.Equal("*", line.RateCardModel);
    }

    [Fact]
    public void EarlierFinalAdjustments_AreNotChargedAgain()
    {
        var final = Final([Terms.Usage("m", input: 30_000_000)]);
        var firstAdjustment = AdjustmentCalculator.Compute(SettledPeriod.Create(final, JanuaryTerms, [], []), [Terms.Usage("m", input: 80_000_000)])!;
        var settled = SettledPeriod.Create(final, JanuaryTerms, [firstAdjustment.Summary], firstAdjustment.Lines);

        var second = AdjustmentCalculator.Compute(settled, [Terms.Usage("m", input: 120_000_000)]);   // gross 120, share 10 + 4 = 14

        Assert.Equal(new PeriodAdjustment(January, "st_jan", 40m, 6m, 6m), second!.Summary);
        Assert.Equal(40_000_000, Assert.Single(second.Lines).Usage.InputTokens);
        Assert.Null(AdjustmentCalculator.Compute(settled, [Terms.Usage("m", input: 80_000_000)]));
    }

    [Fact]
    public void NewModelLate_GetsItsOwnLine()
    {
        var settled = SettledPeriod.Create(Final([Terms.Usage("m", input: 200_000_000)]), JanuaryTerms, [], []);

        var adjustment = AdjustmentCalculator.Compute(settled, [Terms.Usage("m", input: 200_000_000), Terms.Usage("new-model", input: 10_000_000, requests: 3)]);

        var line = Assert.Single(adjustment!.Lines);
        Assert.Equal("new-model", line.Model);
        Assert.Equal(new UsageTotals(10_000_000, 0, 3, 0), line.Usage);
        Assert.Equal(new PeriodAdjustment(January, "st_jan", 10m, 2m, 2m), adjustment.Summary);
    }

    [Fact]
    public void UnchangedUsage_NeedsNoAdjustment()
        => Assert.Null(AdjustmentCalculator.Compute(SettledPeriod.Create(Final([Terms.Usage("m", input: 30_000_000)]), JanuaryTerms, [], []), [Terms.Usage("m", input: 30_000_000)]));

    [Fact]
    public void UnpricedLateUsage_IsListedWithoutGross()
    {
        var terms = Terms.RateCard("USD", null, [new RateCardEntry("known", 1m, 0m, 0m)], (0m, 10m));
        var final = Final([Terms.Usage("known", input: 1_000_000)], terms);

        var adjustment = AdjustmentCalculator.Compute(SettledPeriod.Create(final, terms, [], []), [Terms.Usage("known", input: 1_000_000), Terms.Usage("unknown", input: 5)]);

        var line = Assert.Single(adjustment!.Lines);
        Assert.True(line.Unpriced);
        Assert.Equal(new PeriodAdjustment(January, "st_jan", 0m, 0m, 0m), adjustment.Summary);
    }

    private static Statement Final(IEnumerable<ModelUsage> usage, AgreementTerms? terms = null)
    {
        terms ??= JanuaryTerms;
        var agreement = new Agreement("agr_1", "echo", January, terms, DateTime.UnixEpoch, DateTime.UnixEpoch, 1);
        var draft = StatementComposer.ComposeDraft("st_jan", agreement, January, StatementCalculator.ComputePeriod(terms, usage), [], DateTime.UnixEpoch);
        return draft with { Status = StatementStatus.Final, FinalizedAt = DateTime.UnixEpoch };
    }
}
