namespace Metering.Domain.Settlement;

/// <summary>A model's usage totals for one host and period, as summed from the hourly table.</summary>
public sealed record ModelUsage(string Model, UsageTotals Usage);
