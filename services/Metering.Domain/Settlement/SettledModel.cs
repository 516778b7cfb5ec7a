namespace Metering.Domain.Settlement;

/// <summary>What has been settled for one model of a FINAL period: usage and gross (null when unpriced).</summary>
public sealed record SettledModel(string Model, UsageTotals Usage, decimal? GrossRevenue);
