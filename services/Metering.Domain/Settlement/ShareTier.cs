namespace Metering.Domain.Settlement;

/// <summary>A marginal band of the revenue share: <see cref="SharePercent"/> of the gross from <see cref="FromAmount"/> up to the next tier.</summary>
public sealed record ShareTier(decimal FromAmount, decimal SharePercent);
