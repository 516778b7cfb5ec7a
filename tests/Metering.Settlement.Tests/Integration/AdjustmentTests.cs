using Metering.Contracts.V1;
using Metering.Settlement.Tests.Infrastructure;

namespace Metering.Settlement.Tests.Integration;

/// <summary>Late usage of FINAL months: carried as ADJUSTMENT lines by the host's earliest non-FINAL later statement.</summary>
public sealed class AdjustmentTests : SettlementTestBase
{
    [Fact]
    public async Task LateUsageOfFinalMonth_IsAdjustedOnNextStatementOnce()
    {
        await Service.CreateHostAsync("echo");
        // 1.00 per million input tokens; 10% up to 100, 20% above; minimum 5.
        await Client.UpsertAsync(Agreements.RateCard("echo", "2025-01", "USD", "5", [("*", "1", "0", "0")], ("0", "10"), ("100", "20")));
        await Service.AddUsageAsync("echo", "m", At(2025, 1, 10, 0), input: 30_000_000);
        var january = await Client.RunOneAsync("2025-01", "echo");
        Assert.Equal(("30.000000", "3.000000", true, "5.00"), (january.GrossRevenue, january.ShareAmount, january.MinimumApplied, january.AmountOwed));
        january = await Client.FinalizeAsync(january.StatementId);

        // 50M tokens of January arrive late; January stays as it was.
        await Service.AddUsageAsync("echo", "m", At(2025, 1, 20, 0), input: 50_000_000);
        var rerun = await Client.RunAsync("2025-01", "echo");
        Assert.Empty(rerun.Statements);
        Assert.Equal(SettlementSkipReason.Final, Assert.Single(rerun.Skipped).Reason);
        Assert.Equal(january, await Client.GetAsync("echo", "2025-01"));

        await Service.AddUsageAsync("echo", "m", At(2025, 2, 10, 0), input: 20_000_000);
        var february = await Client.RunOneAsync("2025-02", "echo");

        // January now: gross 80, share 8, owes 8.00; settled 5.00 (minimum) -> +3.00. February itself: gross 20, share 2, minimum 5.00.
        Assert.Collection(
            february.Lines,
            l => Assert.Equal((StatementLineKind.Usage, "m", "", 20_000_000L, "20.000000"), (l.Kind, l.Model, l.CorrectsPeriod, l.InputTokens, l.GrossRevenue)),
            l => Assert.Equal((StatementLineKind.Adjustment, "m", "2025-01", 50_000_000L, "50.000000", "*"), (l.Kind, l.Model, l.CorrectsPeriod, l.InputTokens, l.GrossRevenue, l.RateCardModel)));
        Assert.Equal(("20.000000", "2.000000", true, "5.00"), (february.GrossRevenue, february.ShareAmount, february.MinimumApplied, february.PeriodAmountOwed));
        var adjustment = Assert.Single(february.Adjustments);
        Assert.Equal(("2025-01", january.StatementId, "50.000000", "5.000000", "3.00"),
            (adjustment.CorrectsPeriod, adjustment.CorrectedStatementId, adjustment.GrossRevenue, adjustment.ShareAmount, adjustment.AmountOwed));
        Assert.Equal("8.00", february.AmountOwed);
        await Client.FinalizeAsync(february.StatementId);

        // 40M more of January: now gross 120, share 10 + 4 = 14, owes 14.00; settled 5.00 + 3.00 -> +6.00 on March.
        await Service.AddUsageAsync("echo", "m", At(2025, 1, 31, 23), input: 40_000_000);
        var march = await Client.RunOneAsync("2025-03", "echo");

        var line = Assert.Single(march.Lines);
        Assert.Equal((StatementLineKind.Adjustment, "2025-01", 40_000_000L, "40.000000"), (line.Kind, line.CorrectsPeriod, line.InputTokens, line.GrossRevenue));
        Assert.Equal(("0.000000", "0.000000", true, "5.00"), (march.GrossRevenue, march.ShareAmount, march.MinimumApplied, march.PeriodAmountOwed));
        Assert.Empty(march.TierApplications);
        adjustment = Assert.Single(march.Adjustments);
        Assert.Equal(("2025-01", "40.000000", "6.000000", "6.00"), (adjustment.CorrectsPeriod, adjustment.GrossRevenue, adjustment.ShareAmount, adjustment.AmountOwed));
        Assert.Equal("11.00", march.AmountOwed);

        // Nothing new since: running March again gives the same figures.
        var again = await Client.RunOneAsync("2025-03", "echo");
        Assert.Equal(march, again);
    }

    [Fact]
    public async Task Adjustment_UsesTheAgreementThatAppliedToTheCorrectedMonth()
    {
        await Service.CreateHostAsync("golf");
        await Client.UpsertAsync(Agreements.Reported("golf", "2025-01", "USD", "", ("0", "10")));
        var march = (await Client.UpsertAsync(Agreements.Reported("golf", "2025-03", "USD", "", ("0", "30")))).Agreement;
        await Service.AddUsageAsync("golf", "m", At(2025, 2, 14, 0), requests: 1, billedMicros: 100_000_000);
        await Client.FinalizeAsync((await Client.RunOneAsync("2025-02", "golf")).StatementId);
        await Service.AddUsageAsync("golf", "m", At(2025, 2, 28, 23), requests: 1, billedMicros: 20_000_000);
        await Service.AddUsageAsync("golf", "m", At(2025, 3, 1, 0), requests: 1, billedMicros: 10_000_000);

        var statement = await Client.RunOneAsync("2025-03", "golf");

        // March at 30% of 10; February's late 20 at February's 10%.
        Assert.Equal((march.AgreementId, "10.000000", "3.000000", "3.00"), (statement.AgreementId, statement.GrossRevenue, statement.ShareAmount, statement.PeriodAmountOwed));
        var adjustment = Assert.Single(statement.Adjustments);
        Assert.Equal(("2025-02", "20.000000", "2.000000", "2.00"), (adjustment.CorrectsPeriod, adjustment.GrossRevenue, adjustment.ShareAmount, adjustment.AmountOwed));
        Assert.Equal("5.00", statement.AmountOwed);
    }

    [Fact]
    public async Task LateUsage_GoesToEarliestNonFinalStatementOnly()
    {
        await Service.CreateHostAsync("hotel");
        await Client.UpsertAsync(Agreements.Reported("hotel", "2025-01", "USD", "", ("0", "10")));
        await Service.AddUsageAsync("hotel", "m", At(2025, 1, 5, 0), requests: 1, billedMicros: 100_000_000);
        await Client.FinalizeAsync((await Client.RunOneAsync("2025-01", "hotel")).StatementId);
        await Client.RunOneAsync("2025-02", "hotel");
        await Service.AddUsageAsync("hotel", "m", At(2025, 1, 6, 0), requests: 1, billedMicros: 10_000_000);

        var march = await Client.RunOneAsync("2025-03", "hotel");
        var february = await Client.RunOneAsync("2025-02", "hotel");

        Assert.Empty(march.Adjustments);
        Assert.Equal(("2025-01", "1.00"), (Assert.Single(february.Adjustments).CorrectsPeriod, february.AmountOwed));
    }
}
