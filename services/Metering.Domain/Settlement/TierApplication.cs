namespace Metering.Domain.Settlement;

/// <summary>The share owed on one band [<see cref="FromAmount"/>, <see cref="ToAmount"/>) of a period's gross revenue.</summary>
public sealed record TierApplication(decimal FromAmount, decimal? ToAmount, decimal SharePercent, decimal BaseAmount, decimal ShareAmount);
