namespace Metering.Domain.Settlement;

/// <summary>A rate card entry as submitted (prices as decimal strings).</summary>
public sealed record RateCardEntryInput(string Model, string PricePerMillionInputTokens, string PricePerMillionOutputTokens, string PricePerThousandRequests);
