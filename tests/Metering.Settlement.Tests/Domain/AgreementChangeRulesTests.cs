using Metering.Domain.Settlement;

namespace Metering.Settlement.Tests.Domain;

public sealed class AgreementChangeRulesTests
{
    private static readonly AgreementTerms Usd = Terms.Reported("USD", null, (0m, 10m));

    [Fact]
    public void MonthWithFinalStatement_CannotBeRewritten()
    {
        var violation = AgreementChangeRules.Check(YearMonth.Parse("2025-02"), Usd, new AgreementUpsertContext(true, YearMonth.Parse("2025-02"), null, null));

        Assert.Equal("agreement.effective_month", violation?.Field);
        Assert.Equal(SettlementReasons.PeriodFinalized, violation?.Reason);
    }

    [Fact]
    public void MonthBeforeFinalStatement_CannotTakeEffect()
        => Assert.NotNull(AgreementChangeRules.Check(YearMonth.Parse("2025-01"), Usd, new AgreementUpsertContext(true, YearMonth.Parse("2025-03"), null, null)));

    [Fact]
    public void MonthAfterLatestFinal_IsAllowed()
        => Assert.Null(AgreementChangeRules.Check(YearMonth.Parse("2025-04"), Usd, new AgreementUpsertContext(true, YearMonth.Parse("2025-03"), null, null)));

    [Fact]
    public void CurrencyDifferentFromNeighbour_NamesCurrency()
    {
        var previous = new Agreement("agr_1", "acme", YearMonth.Parse("2025-01"), Usd, DateTime.UnixEpoch, DateTime.UnixEpoch, 1);

        var violation = AgreementChangeRules.Check(YearMonth.Parse("2025-03"), Terms.Reported("EUR", null, (0m, 10m)), new AgreementUpsertContext(true, null, previous, null));

        Assert.Equal("agreement.currency", violation?.Field);
        Assert.Equal(SettlementReasons.CurrencyChange, violation?.Reason);
    }
}
