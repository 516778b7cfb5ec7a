namespace Metering.Persistence.Audit;

/// <summary>
/// Who made an audited change: the API key (its id, never its secret) and its role, "HOST", "BILLING" or "ADMIN"; the
/// bootstrap ADMIN key has key id "bootstrap". Changes the settlement schedule makes on its own are
/// <see cref="SettlementSchedule"/> (role "SYSTEM"). An authenticated caller gives its own through
/// <c>Metering.Security.Caller.AuditActor</c>.
/// </summary>
public sealed record AuditActor
{
    /// <summary>The role of changes the service makes on its own, with no API key behind them.</summary>
    public const string SystemRole = "SYSTEM";

    private static readonly string[] Roles = ["HOST", "BILLING", "ADMIN", SystemRole];

    public AuditActor(string keyId, string role)
    {
        if (string.IsNullOrEmpty(keyId) || keyId.Length > 64)
        {
            throw new ArgumentException("An audit actor's key id has 1 to 64 characters.", nameof(keyId));
        }

        if (!Roles.Contains(role, StringComparer.Ordinal))
        {
            throw new ArgumentException($"An audit actor's role is one of {string.Join(", ", Roles)}, not '{role}'.", nameof(role));
        }

        KeyId = keyId;
        Role = role;
    }

    /// <summary>The settlement schedule (scheduled runs and finalizations): key id "scheduler", role "SYSTEM".</summary>
    public static AuditActor SettlementSchedule { get; } = new("scheduler", SystemRole);

    /// <summary>The id of the API key that made the change (not a secret).</summary>
    public string KeyId { get; }

    /// <summary>"HOST", "BILLING", "ADMIN" or "SYSTEM".</summary>
    public string Role { get; }
}
