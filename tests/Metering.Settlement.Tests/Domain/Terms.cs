using Metering.Domain.Settlement;

namespace Metering.Settlement.Tests.Domain;

/// <summary>Terms for domain tests.</summary>
internal static class Terms
{
    public static AgreementTerms Reported(string currency, decimal? minimum, params (decimal From, decimal Percent)[] tiers)
        => new(Currency.FromCode(currency), RevenueBasis.Reported, [], tiers.Select(t => new ShareTier(t.From, t.Percent)).ToList(), minimum);

    public static AgreementTerms RateCard(string currency, decimal? minimum, RateCardEntry[] rates, params (decimal From, decimal Percent)[] tiers)
        => new(Currency.FromCode(currency), RevenueBasis.RateCard, rates, tiers.Select(t => new ShareTier(t.From, t.Percent)).ToList(), minimum);

    public static ModelUsage Usage(string model, long input = 0, long output = 0, long requests = 0, long billed = 0)
        => new(model, new UsageTotals(input, output, requests, billed));
}
