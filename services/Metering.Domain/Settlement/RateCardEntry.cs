namespace Metering.Domain.Settlement;

/// <summary>Prices of one model, or of every model without an entry of its own (<see cref="Wildcard"/>).</summary>
public sealed record RateCardEntry(string Model, decimal PricePerMillionInputTokens, decimal PricePerMillionOutputTokens, decimal PricePerThousandRequests)
{
    /// <summary>The model name of the entry that prices every model without an exact entry.</summary>
    public const string Wildcard = "*";
}
