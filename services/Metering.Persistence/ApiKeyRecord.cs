namespace Metering.Persistence;

/// <summary>A row of the api_keys table (without the secret hash).</summary>
public sealed record ApiKeyRecord(string KeyId, string Role, string? HostId, string Description, DateTime CreatedAt, DateTime? RevokedAt);
