namespace Metering.Persistence;

/// <summary>A flush snapshot of one host: its unique flush id and its buckets.</summary>
public sealed record UsageFlushSnapshot(string FlushId, string HostId, IReadOnlyList<UsageFlushRow> Rows);
