using Metering.Domain.Usage;

namespace Metering.Persistence;

/// <summary>
/// One bucket of one flush snapshot, to be added to usage_hourly. <paramref name="FirstUsage"/>: the bucket's first
/// usage ever is in this snapshot, so usage_hourly has no row for it yet (a hint: a wrong one costs a retry).
/// </summary>
public readonly record struct UsageFlushRow(string HostId, string Model, DateTime HourUtc, UsageCounters Counters, bool FirstUsage = false);
