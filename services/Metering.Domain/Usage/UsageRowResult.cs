namespace Metering.Domain.Usage;

/// <summary>One row of a usage answer: host and model are empty when not grouped by; the bucket is null for totals.</summary>
public sealed record UsageRowResult(string HostId, string Model, DateTime? BucketStart, UsageCounters Counters);
