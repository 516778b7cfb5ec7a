using Metering.Persistence.Audit;

namespace Metering.Security;

/// <summary>
/// The authenticated caller of a call: its key, role and (for HOST keys) host. <see cref="IsRevoked"/> turns true
/// within a poll interval of the key's revocation, so long-lived streams stop too.
/// </summary>
public sealed class Caller
{
    private volatile bool _revoked;

    public Caller(string keyId, CallerRole role, string? hostId)
    {
        KeyId = keyId;
        Role = role;
        HostId = hostId;
    }

    public string KeyId { get; }

    public CallerRole Role { get; }

    public string? HostId { get; }

    public bool IsRevoked => _revoked;

    /// <summary>This caller as the actor of the audit events of its changes (key id and role; never the secret).</summary>
    public AuditActor AuditActor => new(KeyId, Role.ToString().ToUpperInvariant());

    internal void MarkRevoked() => _revoked = true;

    /// <summary>True when this caller may read data of <paramref name="hostId"/>.</summary>
    public bool CanRead(string hostId) => Role != CallerRole.Host || string.Equals(HostId, hostId, StringComparison.Ordinal);
}
