using Metering.Domain.Settlement;

namespace Metering.Settlement.Tests.Domain;

public sealed class AgreementValidatorTests
{
    private static readonly AgreementInput Valid = new(
        "acme",
        "2025-01",
        "USD",
        RevenueBasis.RateCard,
        [new RateCardEntryInput("llama-70b", "2.00", "6.00", "0.5"), new RateCardEntryInput("*", "0.10", "0.30", "0")],
        [new ShareTierInput("0", "10"), new ShareTierInput("1000000", "15")],
        "100");

    [Fact]
    public void ValidAgreement_ProducesTerms()
    {
        var result = AgreementValidator.Validate(Valid);

        Assert.True(result.IsValid);
        Assert.Empty(result.Violations);
        Assert.Equal(new YearMonth(2025, 1), result.EffectiveMonth);
        Assert.Equal(2, result.Terms!.RateCard.Count);
        Assert.Equal(100m, result.Terms.MinimumPayment);
        Assert.Equal(15m, result.Terms.TopSharePercent);
    }

    [Fact]
    public void TiersNotAscending_NameTheOffendingTier()
        => AssertViolation(Valid with { ShareTiers = [new("0", "10"), new("500", "12"), new("500", "15")] }, "agreement.share_tiers[2].from_amount", SettlementReasons.TiersNotAscending);

    [Fact]
    public void FirstTierNotFromZero_NamesFirstTier()
        => AssertViolation(Valid with { ShareTiers = [new("10", "10")] }, "agreement.share_tiers[0].from_amount", SettlementReasons.FirstTierNotZero);

    [Fact]
    public void NoTiers_NamesShareTiers()
        => AssertViolation(Valid with { ShareTiers = [] }, "agreement.share_tiers", SettlementReasons.TiersRequired);

    [Theory]
    [InlineData("100.5", SettlementReasons.OutOfRange)]
    [InlineData("-1", SettlementReasons.Negative)]
    [InlineData("ten", SettlementReasons.InvalidFormat)]
    public void ShareOutsideZeroToHundred_NamesSharePercent(string percent, string reason)
        => AssertViolation(Valid with { ShareTiers = [new("0", "10"), new("1000", percent)] }, "agreement.share_tiers[1].share_percent", reason);

    [Fact]
    public void ShareOfExactlyHundred_IsAccepted()
        => Assert.True(AgreementValidator.Validate(Valid with { ShareTiers = [new("0", "100")] }).IsValid);

    [Theory]
    [InlineData(0, "price_per_million_input_tokens")]
    [InlineData(1, "price_per_million_output_tokens")]
    [InlineData(2, "price_per_thousand_requests")]
    public void NegativePrice_NamesThePrice(int which, string field)
    {
        var prices = new[] { "1", "1", "1" };
        prices[which] = "-0.01";
        AssertViolation(Valid with { RateCard = [new RateCardEntryInput("m", prices[0], prices[1], prices[2])] }, $"agreement.rate_card[0].{field}", SettlementReasons.Negative);
    }

    [Fact]
    public void MissingPrice_IsRequired()
        => AssertViolation(Valid with { RateCard = [new RateCardEntryInput("m", "1", "", "0")] }, "agreement.rate_card[0].price_per_million_output_tokens", SettlementReasons.Required);

    [Theory]
    [InlineData("XYZ")]
    [InlineData("usd")]
    [InlineData("DOLLARS")]
    public void UnknownCurrency_NamesCurrency(string currency)
        => AssertViolation(Valid with { Currency = currency }, "agreement.currency", SettlementReasons.UnknownCurrency);

    [Theory]
    [InlineData("2025-13")]
    [InlineData("2025-1")]
    [InlineData("January")]
    public void BadEffectiveMonth_NamesEffectiveMonth(string month)
        => AssertViolation(Valid with { EffectiveMonth = month }, "agreement.effective_month", SettlementReasons.InvalidFormat);

    [Fact]
    public void DuplicateModel_NamesSecondEntry()
        => AssertViolation(Valid with { RateCard = [new("m", "1", "1", "1"), new("m", "2", "2", "2")] }, "agreement.rate_card[1].model", SettlementReasons.DuplicateModel);

    [Fact]
    public void RateCardBasisWithoutEntries_NamesRateCard()
        => AssertViolation(Valid with { RateCard = [] }, "agreement.rate_card", SettlementReasons.RateCardRequired);

    [Fact]
    public void ReportedBasisWithEntries_NamesRateCard()
        => AssertViolation(Valid with { RevenueBasis = RevenueBasis.Reported }, "agreement.rate_card", SettlementReasons.RateCardNotAllowed);

    [Fact]
    public void MissingBasis_NamesRevenueBasis()
        => AssertViolation(Valid with { RevenueBasis = null }, "agreement.revenue_basis", SettlementReasons.Required);

    [Fact]
    public void NegativeMinimum_NamesMinimumPayment()
        => AssertViolation(Valid with { MinimumPayment = "-5" }, "agreement.minimum_payment", SettlementReasons.Negative);

    [Fact]
    public void BadHostId_NamesHostId()
        => AssertViolation(Valid with { HostId = "Not A Host" }, "agreement.host_id", SettlementReasons.InvalidFormat);

    [Fact]
    public void SeveralProblems_AreAllReported()
    {
        var result = AgreementValidator.Validate(Valid with { Currency = "XXX", EffectiveMonth = "nope", ShareTiers = [new("5", "200")] });

        Assert.False(result.IsValid);
        Assert.Equal(
            ["agreement.effective_month", "agreement.currency", "agreement.share_tiers[0].from_amount", "agreement.share_tiers[0].share_percent"],
            result.Violations.Select(v => v.Field));
    }

    private static void AssertViolation(AgreementInput input, string field, string reason)
    {
        var result = AgreementValidator.Validate(input);

        Assert.False(result.IsValid);
        Assert.Null(result.Terms);
        var violation = Assert.Single(result.Violations);
        Assert.Equal(field, violation.Field);
        Assert.Equal(reason, violation.Reason);
        Assert.NotEmpty(violation.Description);
    }
}
