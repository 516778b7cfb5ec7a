namespace Metering.Domain.Settlement;

/// <summary>A share tier as submitted (decimal strings).</summary>
public sealed record ShareTierInput(string FromAmount, string SharePercent);
