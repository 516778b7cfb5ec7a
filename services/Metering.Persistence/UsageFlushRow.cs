using Metering.Domain.Usage;

namespace Metering.Persistence;

/// <summary>One bucket of one flush snapshot, to be added to usage_hourly.</summary>
public readonly record struct UsageFlushRow(string HostId, string Model, DateTime HourUtc, UsageCounters Counters);
