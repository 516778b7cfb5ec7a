namespace Metering.Persistence;

/// <summary>A row of the hosts table.</summary>
public sealed record HostRecord(string HostId, string DisplayName, DateTime CreatedAt);
