using Grpc.Core;
using Metering.Contracts.V1;
using Metering.Settlement.Tests.Infrastructure;
using Metering.Testing;

namespace Metering.Settlement.Tests.Integration;

/// <summary>UpsertAgreement errors over the wire: INVALID_ARGUMENT with BadRequest violations naming each field.</summary>
public sealed class AgreementValidationTests : SettlementTestBase
{
    public static TheoryData<string, string> InvalidAgreements => new()
    {
        { "tiers-not-ascending", "agreement.share_tiers[1].from_amount" },
        { "first-tier-not-zero", "agreement.share_tiers[0].from_amount" },
        { "share-above-100", "agreement.share_tiers[0].share_percent" },
        { "negative-price", "agreement.rate_card[0].price_per_million_input_tokens" },
        { "unknown-currency", "agreement.currency" },
        { "bad-effective-month", "agreement.effective_month" },
        { "unspecified-basis", "agreement.revenue_basis" },
        { "exponent-minimum", "agreement.minimum_payment" },
    };

    [Theory]
    [MemberData(nameof(InvalidAgreements))]
    public async Task InvalidAgreement_IsInvalidArgumentNamingTheField(string problem, string field)
    {
        await Service.CreateHostAsync("val-" + problem[..3]);
        var agreement = Agreements.RateCard("val-" + problem[..3], "2025-01", "USD", "", [("*", "1", "0", "0")], ("0", "10"), ("1000", "15"));
        switch (problem)
        {
            case "tiers-not-ascending": agreement.ShareTiers[1].FromAmount = "0"; break;
            case "first-tier-not-zero": agreement.ShareTiers[0].FromAmount = "1"; break;
            case "share-above-100": agreement.ShareTiers[0].SharePercent = "100.01"; break;
            case "negative-price": agreement.RateCard[0].PricePerMillionInputTokens = "-1"; break;
            case "unknown-currency": agreement.Currency = "ABC"; break;
            case "bad-effective-month": agreement.EffectiveMonth = "2025-13"; break;
            case "unspecified-basis": agreement.RevenueBasis = RevenueBasis.Unspecified; agreement.RateCard.Clear(); break;
            case "exponent-minimum": agreement.MinimumPayment = "1e3"; break;
        }

        var ex = await Assert.ThrowsAsync<RpcException>(() => Client.UpsertAsync(agreement));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal([field], Calls.ViolatedFields(ex));
        Assert.Contains(field, ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownHost_IsNotFound()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => Client.UpsertAsync(Agreements.Reported("ghost", "2025-01", "USD", "", ("0", "10"))));

        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
    }

    [Fact]
    public async Task SameHostAndMonth_ReplacesAndKeepsTheId()
    {
        await Service.CreateHostAsync("sierra");
        var created = await Client.UpsertAsync(Agreements.Reported("sierra", "2025-01", "USD", "10", ("0", "10")));
        Service.Clock.Advance(TimeSpan.FromMinutes(1));

        var replaced = await Client.UpsertAsync(Agreements.RateCard("sierra", "2025-01", "USD", "", [("*", "0.15", "0.60", "0")], ("0", "12.5"), ("1000000", "15")));

        Assert.True(created.Created);
        Assert.False(replaced.Created);
        Assert.Equal(created.Agreement.AgreementId, replaced.Agreement.AgreementId);
        Assert.Equal(created.Agreement.CreatedAt, replaced.Agreement.CreatedAt);
        Assert.Equal(SettlementTestBase.Now.AddMinutes(1), replaced.Agreement.UpdatedAt.ToDateTime());
        Assert.Equal(RevenueBasis.RateCard, replaced.Agreement.RevenueBasis);
        Assert.Equal(("0.15", "0.60", "0"), (replaced.Agreement.RateCard[0].PricePerMillionInputTokens, replaced.Agreement.RateCard[0].PricePerMillionOutputTokens, replaced.Agreement.RateCard[0].PricePerThousandRequests));
        Assert.Equal(["0", "1000000"], replaced.Agreement.ShareTiers.Select(t => t.FromAmount));
        Assert.Equal(string.Empty, replaced.Agreement.MinimumPayment);
        var listed = (await Client.ListAgreementsAsync(new ListAgreementsRequest { HostIds = { "sierra" } }, SettlementRpc.Admin)).Agreements;
        Assert.Equal(replaced.Agreement, Assert.Single(listed));
    }

    [Fact]
    public async Task CurrencyDifferentFromNeighbouringAgreement_IsFailedPreconditionNamingCurrency()
    {
        await Service.CreateHostAsync("tango");
        await Client.UpsertAsync(Agreements.Reported("tango", "2025-01", "USD", "", ("0", "10")));

        var ex = await Assert.ThrowsAsync<RpcException>(() => Client.UpsertAsync(Agreements.Reported("tango", "2025-03", "EUR", "", ("0", "10"))));

        Assert.Equal(StatusCode.FailedPrecondition, ex.StatusCode);
        Assert.Equal(["agreement.currency"], Calls.ViolatedFields(ex));
    }

    [Theory]
    [InlineData("2025-1", "period")]
    [InlineData("", "period")]
    public async Task MalformedPeriod_IsInvalidArgumentNamingPeriod(string period, string field)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => Client.RunAsync(period));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal([field], Calls.ViolatedFields(ex));
    }
}
