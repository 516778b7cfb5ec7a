using Grpc.Core;
using Metering.Contracts.V1;
using Metering.Settlement.Tests.Infrastructure;

namespace Metering.Settlement.Tests.Integration;

/// <summary>Statements computed by hand, compared field by field with what the service computes from usage_hourly.</summary>
public sealed class GoldenStatementTests : SettlementTestBase
{
    [Fact]
    public async Task RateCardHostCrossingATier_MatchesHandComputedStatement()
    {
        await Service.CreateHostAsync("acme");
        var agreement = (await Client.UpsertAsync(Agreements.RateCard("acme", "2025-01", "USD", "",
            [("llama-70b", "2.00", "6.00", "0.50"), ("*", "0.10", "0.30", "0")],
            ("0", "10"), ("1000", "15")))).Agreement;
        // llama-70b: 400M in, 100M out, 250k requests over three hours of February, the last one its last hour.
        await Service.AddUsageAsync("acme", "llama-70b", At(2025, 2, 1, 0), input: 100_000_000, output: 40_000_000, requests: 50_000);
        await Service.AddUsageAsync("acme", "llama-70b", At(2025, 2, 14, 13), input: 200_000_000, output: 10_000_000, requests: 100_000);
        await Service.AddUsageAsync("acme", "llama-70b", At(2025, 2, 28, 23), input: 100_000_000, output: 50_000_000, requests: 100_000);
        await Service.AddUsageAsync("acme", "mistral-7b", At(2025, 2, 10, 5), input: 1_234_567_891, output: 98_765_433, requests: 10_000);
        // Neighbouring months' hours do not count.
        await Service.AddUsageAsync("acme", "llama-70b", At(2025, 1, 31, 23), input: 999_000_000);
        await Service.AddUsageAsync("acme", "llama-70b", At(2025, 3, 1, 0), input: 999_000_000);

        var statement = await Client.RunOneAsync("2025-02", "acme");

        // llama-70b: 400 * 2.00 + 100 * 6.00 + 250 * 0.50 = 1525; mistral-7b by "*": 1234.567891 * 0.10 + 98.765433 * 0.30 = 153.086419.
        Assert.Collection(
            statement.Lines,
            l => AssertLine(l, "llama-70b", 400_000_000, 100_000_000, 250_000, "1525.000000", "llama-70b"),
            l => AssertLine(l, "mistral-7b", 1_234_567_891, 98_765_433, 10_000, "153.086419", "*"));
        Assert.Equal("1678.086419", statement.GrossRevenue);
        // 10% of the first 1000, 15% of the 678.086419 above (101.71296285 -> 101.712963).
        Assert.Collection(
            statement.TierApplications,
            t => Assert.Equal(("0", "1000", "10", "1000.000000", "100.000000"), (t.FromAmount, t.ToAmount, t.SharePercent, t.BaseAmount, t.ShareAmount)),
            t => Assert.Equal(("1000", "", "15", "678.086419", "101.712963"), (t.FromAmount, t.ToAmount, t.SharePercent, t.BaseAmount, t.ShareAmount)));
        Assert.Equal("201.712963", statement.ShareAmount);
        Assert.Equal(string.Empty, statement.MinimumPayment);
        Assert.False(statement.MinimumApplied);
        Assert.Equal("201.71", statement.PeriodAmountOwed);
        Assert.Equal("201.71", statement.AmountOwed);
        Assert.Empty(statement.Adjustments);
        Assert.False(statement.HasUnpricedLines);
        Assert.Equal((StatementStatus.Draft, "2025-02", "acme", "USD", RevenueBasis.RateCard, agreement.AgreementId),
            (statement.Status, statement.Period, statement.HostId, statement.Currency, statement.RevenueBasis, statement.AgreementId));
        Assert.Equal(SettlementTestBase.Now, statement.ComputedAt.ToDateTime());
        Assert.Null(statement.FinalizedAt);
    }

    [Fact]
    public async Task ReportedHostBelowMinimum_OwesMinimumInWholeYen()
    {
        await Service.CreateHostAsync("bento");
        await Client.UpsertAsync(Agreements.Reported("bento", "2025-01", "JPY", "5000", ("0", "12.5")));
        await Service.AddUsageAsync("bento", "model-a", At(2025, 2, 3, 8), input: 1_000, billedMicros: 12_000_000_000);
        await Service.AddUsageAsync("bento", "model-a", At(2025, 2, 4, 9), input: 1_000, billedMicros: 8_000_000_000);
        await Service.AddUsageAsync("bento", "model-b", At(2025, 2, 5, 10), requests: 3, billedMicros: 3_500_000_500);

        var statement = await Client.RunOneAsync("2025-02", "bento");

        Assert.Collection(
            statement.Lines,
            l => Assert.Equal(("model-a", 20_000_000_000L, "20000.000000", ""), (l.Model, l.BilledMicros, l.GrossRevenue, l.RateCardModel)),
            l => Assert.Equal(("model-b", 3_500_000_500L, "3500.000500", ""), (l.Model, l.BilledMicros, l.GrossRevenue, l.RateCardModel)));
        Assert.Equal("23500.000500", statement.GrossRevenue);
        // 12.5% of 23500.0005 = 2937.5000625 -> 2937.500062 (half to even); below the 5000 minimum.
        Assert.Equal("2937.500062", Assert.Single(statement.TierApplications).ShareAmount);
        Assert.Equal("2937.500062", statement.ShareAmount);
        Assert.Equal("5000", statement.MinimumPayment);
        Assert.True(statement.MinimumApplied);
        Assert.Equal("5000", statement.PeriodAmountOwed);
        Assert.Equal("5000", statement.AmountOwed);
        Assert.Equal(RevenueBasis.Reported, statement.RevenueBasis);
    }

    [Fact]
    public async Task ShareOfHalfACent_RoundsToEven()
    {
        await Service.CreateHostAsync("crane");
        await Client.UpsertAsync(Agreements.Reported("crane", "2025-02", "USD", "", ("0", "10")));
        await Service.AddUsageAsync("crane", "m", At(2025, 2, 20, 0), requests: 1, billedMicros: 123_456_250_000);

        var statement = await Client.RunOneAsync("2025-02", "crane");

        Assert.Equal("123456.250000", statement.GrossRevenue);
        Assert.Equal("12345.625000", statement.ShareAmount);
        Assert.Equal("12345.62", statement.PeriodAmountOwed);
    }

    [Fact]
    public async Task ModelWithoutPrice_IsListedUnpricedAndBlocksFinalizeUntilAllowed()
    {
        await Service.CreateHostAsync("delta");
        await Client.UpsertAsync(Agreements.RateCard("delta", "2025-01", "USD", "", [("gpt-x", "1", "2", "0")], ("0", "20")));
        await Service.AddUsageAsync("delta", "gpt-x", At(2025, 2, 2, 2), input: 3_000_000, output: 1_000_000, requests: 4);
        await Service.AddUsageAsync("delta", "mystery", At(2025, 2, 2, 3), input: 5_000_000, requests: 7);

        var statement = await Client.RunOneAsync("2025-02", "delta");

        Assert.Collection(
            statement.Lines,
            l => Assert.Equal(("gpt-x", "5.000000", false, "gpt-x"), (l.Model, l.GrossRevenue, l.Unpriced, l.RateCardModel)),
            l =>
            {
                Assert.Equal(("mystery", "", true, ""), (l.Model, l.GrossRevenue, l.Unpriced, l.RateCardModel));
                Assert.Equal((5_000_000L, 7L), (l.InputTokens, l.Requests));
            });
        Assert.Equal("5.000000", statement.GrossRevenue);
        Assert.Equal("1.000000", statement.ShareAmount);
        Assert.Equal("1.00", statement.AmountOwed);
        Assert.True(statement.HasUnpricedLines);

        var refused = await Assert.ThrowsAsync<RpcException>(() => Client.FinalizeAsync(statement.StatementId));
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Contains("mystery", refused.Status.Detail, StringComparison.Ordinal);

        var final = await Client.FinalizeAsync(statement.StatementId, allowUnpriced: true);
        Assert.Equal(StatementStatus.Final, final.Status);
        Assert.Equal("1.00", final.AmountOwed);
        Assert.Equal(statement.Lines, final.Lines);
    }

    [Fact]
    public async Task AgreementChangeAtMonthBoundary_EachMonthUsesItsOwnAgreement()
    {
        await Service.CreateHostAsync("foxtrot");
        var january = (await Client.UpsertAsync(Agreements.Reported("foxtrot", "2025-01", "USD", "", ("0", "10")))).Agreement;
        var march = (await Client.UpsertAsync(Agreements.Reported("foxtrot", "2025-03", "USD", "", ("0", "30")))).Agreement;
        await Service.AddUsageAsync("foxtrot", "m", At(2025, 2, 28, 23), requests: 1, billedMicros: 100_000_000);
        await Service.AddUsageAsync("foxtrot", "m", At(2025, 3, 1, 0), requests: 1, billedMicros: 50_000_000);

        var february = await Client.RunOneAsync("2025-02", "foxtrot");
        var marchStatement = await Client.RunOneAsync("2025-03", "foxtrot");

        Assert.Equal((january.AgreementId, "100.000000", "10.000000", "10.00"), (february.AgreementId, february.GrossRevenue, february.ShareAmount, february.AmountOwed));
        Assert.Equal((march.AgreementId, "50.000000", "15.000000", "15.00"), (marchStatement.AgreementId, marchStatement.GrossRevenue, marchStatement.ShareAmount, marchStatement.AmountOwed));

        async Task<string> InForce(string month)
            => Assert.Single((await Client.ListAgreementsAsync(new ListAgreementsRequest { HostIds = { "foxtrot" }, InForceMonth = month }, SettlementRpc.Admin)).Agreements).AgreementId;

        Assert.Equal(january.AgreementId, await InForce("2025-02"));
        Assert.Equal(march.AgreementId, await InForce("2025-03"));
        Assert.Equal(march.AgreementId, await InForce("2025-12"));
        Assert.Empty((await Client.ListAgreementsAsync(new ListAgreementsRequest { HostIds = { "foxtrot" }, InForceMonth = "2024-12" }, SettlementRpc.Admin)).Agreements);
    }

    [Fact]
    public async Task HostWithoutAgreement_IsSkippedNotSettled()
    {
        await Service.CreateHostAsync("juliet");
        await Service.AddUsageAsync("juliet", "m", At(2025, 2, 1, 1), input: 10);

        var response = await Client.RunAsync("2025-02", "juliet");

        Assert.Empty(response.Statements);
        var skip = Assert.Single(response.Skipped);
        Assert.Equal(("juliet", SettlementSkipReason.NoAgreement), (skip.HostId, skip.Reason));
    }

    private static void AssertLine(StatementLine line, string model, long input, long output, long requests, string gross, string rateCardModel)
    {
        Assert.Equal(StatementLineKind.Usage, line.Kind);
        Assert.Equal((model, input, output, requests, 0L), (line.Model, line.InputTokens, line.OutputTokens, line.Requests, line.BilledMicros));
        Assert.Equal((gross, false, rateCardModel, ""), (line.GrossRevenue, line.Unpriced, line.RateCardModel, line.CorrectsPeriod));
    }
}
