namespace Metering.Domain.Usage;

/// <summary>One page of a usage query's rows, and whether rows follow it.</summary>
public sealed record UsagePage(List<UsageRowResult> Rows, bool HasMore);
