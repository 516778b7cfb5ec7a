using Metering.Domain.Settlement;

namespace Metering.Settlement.Tests.Domain;

public sealed class AdjustmentCarrierTests
{
    private static readonly YearMonth April = YearMonth.Parse("2025-04");

    [Fact]
    public void FinalPeriodsWithoutLaterDraft_AreCarriedOldestFirst()
    {
        var statuses = new Dictionary<YearMonth, StatementStatus>
        {
            [YearMonth.Parse("2025-01")] = StatementStatus.Final,
            [YearMonth.Parse("2025-03")] = StatementStatus.Final,
        };

        Assert.Equal([YearMonth.Parse("2025-01"), YearMonth.Parse("2025-03")], AdjustmentCarrier.PeriodsCarriedBy(April, statuses, 3));
    }

    [Fact]
    public void EarlierDraft_CarriesThePeriodsBeforeIt()
    {
        // February is DRAFT: it is the earliest non-FINAL statement after January, so January's late usage goes there.
        var statuses = new Dictionary<YearMonth, StatementStatus>
        {
            [YearMonth.Parse("2025-01")] = StatementStatus.Final,
            [YearMonth.Parse("2025-02")] = StatementStatus.Draft,
            [YearMonth.Parse("2025-03")] = StatementStatus.Final,
        };

        Assert.Equal([YearMonth.Parse("2025-03")], AdjustmentCarrier.PeriodsCarriedBy(April, statuses, 3));
    }

    [Fact]
    public void PeriodsBeyondLookback_AreNotCarried()
    {
        var statuses = new Dictionary<YearMonth, StatementStatus> { [YearMonth.Parse("2024-12")] = StatementStatus.Final };

        Assert.Empty(AdjustmentCarrier.PeriodsCarriedBy(April, statuses, 3));
    }
}
