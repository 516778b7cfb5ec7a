namespace Metering.Security;

/// <summary>Authentication settings. Bound from configuration section "Security".</summary>
public sealed class SecurityOptions
{
    /// <summary>
    /// An ADMIN key accepted without a database row, to create the first hosts and keys. Defaults to null (none).
    /// At least 24 characters when set.
    /// </summary>
    public string? BootstrapAdminKey { get; set; }

    /// <summary>How often revocations are polled from PostgreSQL. Defaults to 1 second (a revoked key stops within 5 s).</summary>
    public TimeSpan RevocationPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a valid key stays cached before it is looked up again. Defaults to 5 minutes.</summary>
    public TimeSpan KeyCacheLifetime { get; set; } = TimeSpan.FromMinutes(5);
}
