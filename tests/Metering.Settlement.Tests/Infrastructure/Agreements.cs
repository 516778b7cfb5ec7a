using Metering.Contracts.V1;

namespace Metering.Settlement.Tests.Infrastructure;

/// <summary>Builders of wire agreements for tests.</summary>
public static class Agreements
{
    /// <summary>A REPORTED agreement; tiers as (from, percent) pairs.</summary>
    public static Agreement Reported(string hostId, string month, string currency, string minimum, params (string From, string Percent)[] tiers)
    {
        var agreement = new Agreement { HostId = hostId, EffectiveMonth = month, Currency = currency, RevenueBasis = RevenueBasis.Reported, MinimumPayment = minimum };
        agreement.ShareTiers.AddRange(tiers.Select(t => new ShareTier { FromAmount = t.From, SharePercent = t.Percent }));
        return agreement;
    }

    /// <summary>A RATE_CARD agreement; entries as (model, per M input, per M output, per K requests).</summary>
    public static Agreement RateCard(string hostId, string month, string currency, string minimum, (string Model, string In, string Out, string Requests)[] rates, params (string From, string Percent)[] tiers)
    {
        var agreement = new Agreement { HostId = hostId, EffectiveMonth = month, Currency = currency, RevenueBasis = RevenueBasis.RateCard, MinimumPayment = minimum };
        agreement.RateCard.AddRange(rates.Select(r => new RateCardEntry { Model = r.Model, PricePerMillionInputTokens = r.In, PricePerMillionOutputTokens = r.Out, PricePerThousandRequests = r.Requests }));
        agreement.ShareTiers.AddRange(tiers.Select(t => new ShareTier { FromAmount = t.From, SharePercent = t.Percent }));
        return agreement;
    }
}
