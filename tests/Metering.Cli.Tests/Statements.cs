using Google.Protobuf.WellKnownTypes;
using Metering.Contracts.V1;

namespace Metering.Cli.Tests;

/// <summary>Hand-built statements for the renderer and exporter tests.</summary>
internal static class Statements
{
    /// <summary>
    /// A RATE_CARD statement with a priced and an unpriced model, two tiers, a minimum that does not apply, and an
    /// adjustment for late usage of a finalized month.
    /// </summary>
    public static Statement RateCard()
    {
        var statement = new Statement
        {
            StatementId = "st_0001",
            HostId = "aws",
            Period = "2026-10",
            Status = StatementStatus.Draft,
            AgreementId = "agr_0001",
            Currency = "USD",
            RevenueBasis = RevenueBasis.RateCard,
            GrossRevenue = "1250000.500000",
            ShareAmount = "137500.075000",
            MinimumPayment = "500",
            MinimumApplied = false,
            PeriodAmountOwed = "137500.08",
            AmountOwed = "137501.28",
            HasUnpricedLines = true,
            ComputedAt = Timestamp.FromDateTime(new DateTime(2026, 11, 2, 3, 4, 5, DateTimeKind.Utc)),
        };
        statement.Lines.Add(new StatementLine
        {
            Kind = StatementLineKind.Usage,
            Model = "llama-3.1-70b",
            InputTokens = 1_000_000_000_000,
            OutputTokens = 420_000_000_000,
            Requests = 3_000_000,
            BilledMicros = 0,
            GrossRevenue = "1250000.500000",
            RateCardModel = "llama-3.1-70b",
        });
        statement.Lines.Add(new StatementLine
        {
            Kind = StatementLineKind.Usage,
            Model = "qwen2.5-72b",
            InputTokens = 5_000,
            OutputTokens = 700,
            Requests = 9,
            Unpriced = true,
        });
        statement.Lines.Add(new StatementLine
        {
            Kind = StatementLineKind.Adjustment,
            Model = "llama-3.1-8b",
            CorrectsPeriod = "2026-09",
            InputTokens = 12_000_000,
            OutputTokens = -1_000,
            Requests = 40,
            GrossRevenue = "12.000000",
            RateCardModel = "*",
        });
        statement.TierApplications.Add(new TierApplication { FromAmount = "0", ToAmount = "1000000", SharePercent = "10", BaseAmount = "1000000.000000", ShareAmount = "100000.000000" });
        statement.TierApplications.Add(new TierApplication { FromAmount = "1000000", ToAmount = string.Empty, SharePercent = "15", BaseAmount = "250000.500000", ShareAmount = "37500.075000" });
        statement.Adjustments.Add(new PeriodAdjustment { CorrectsPeriod = "2026-09", CorrectedStatementId = "st_0000", GrossRevenue = "12.000000", ShareAmount = "1.200000", AmountOwed = "1.20" });
        return statement;
    }

    /// <summary>A FINAL REPORTED statement without usage, where the minimum payment applies.</summary>
    public static Statement ReportedMinimum()
    {
        var statement = new Statement
        {
            StatementId = "st_0002",
            HostId = "groq",
            Period = "2026-10",
            Status = StatementStatus.Final,
            AgreementId = "agr_0002",
            Currency = "EUR",
            RevenueBasis = RevenueBasis.Reported,
            GrossRevenue = "0.000000",
            ShareAmount = "0.000000",
            MinimumPayment = "25",
            MinimumApplied = true,
            PeriodAmountOwed = "25.00",
            AmountOwed = "25.00",
            ComputedAt = Timestamp.FromDateTime(new DateTime(2026, 11, 3, 0, 0, 0, DateTimeKind.Utc)),
            FinalizedAt = Timestamp.FromDateTime(new DateTime(2026, 11, 4, 12, 0, 0, DateTimeKind.Utc)),
        };
        return statement;
    }
}
