using System.Collections.Concurrent;
using System.Security.Cryptography;
using Metering.Persistence;
using Microsoft.Extensions.Options;

namespace Metering.Security;

/// <summary>
/// Turns a bearer secret into a <see cref="Caller"/>. Valid keys are cached (by hash) for
/// <see cref="SecurityOptions.KeyCacheLifetime"/>; unknown ones for a few seconds, in a bounded cache, so a
/// flood of bad keys does not become a flood of queries. Revocations arrive through <see cref="MarkRevoked"/>.
/// </summary>
public sealed class ApiKeyAuthenticator
{
    private const int MaxNegativeEntries = 10_000;
    private static readonly TimeSpan NegativeLifetime = TimeSpan.FromSeconds(5);

    private readonly ApiKeyRepository _keys;
    private readonly TimeProvider _time;
    private readonly SecurityOptions _options;
    private readonly byte[]? _bootstrapHash;
    private readonly ConcurrentDictionary<string, (Caller Caller, DateTimeOffset Expires)> _valid = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _invalid = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Caller> _byKeyId = new(StringComparer.Ordinal);

    public ApiKeyAuthenticator(ApiKeyRepository keys, IOptions<SecurityOptions> options, TimeProvider time)
    {
        _keys = keys;
        _time = time;
        _options = options.Value;
        if (!string.IsNullOrEmpty(_options.BootstrapAdminKey))
        {
            _bootstrapHash = ApiKeySecrets.Hash(_options.BootstrapAdminKey);
        }
    }

    /// <summary>Authenticates a secret; throws <see cref="ApiKeyRejectedException"/> for an unknown or revoked key.</summary>
    public async ValueTask<Caller> AuthenticateAsync(string secret, CancellationToken cancellationToken)
    {
        var hash = ApiKeySecrets.Hash(secret);
        if (_bootstrapHash is not null && CryptographicOperations.FixedTimeEquals(hash, _bootstrapHash))
        {
            return BootstrapCaller;
        }

        var cacheKey = Convert.ToBase64String(hash);
        var now = _time.GetUtcNow();
        if (_valid.TryGetValue(cacheKey, out var cached) && cached.Expires > now)
        {
            return cached.Caller.IsRevoked ? throw Revoked() : cached.Caller;
        }

        if (_invalid.TryGetValue(cacheKey, out var until) && until > now)
        {
            throw UnknownKey();
        }

        var record = await _keys.FindBySecretHashAsync(hash, cancellationToken);
        if (record is null)
        {
            if (_invalid.Count >= MaxNegativeEntries)
            {
                _invalid.Clear();
            }

            _invalid[cacheKey] = now + NegativeLifetime;
            throw UnknownKey();
        }

        if (record.RevokedAt is not null)
        {
            throw Revoked();
        }

        // One Caller per key for the life of the process: every call and stream authenticated with the key holds
        // the same instance, so MarkRevoked reaches all of them (also after a cache refresh or a racing first use).
        var caller = _byKeyId.GetOrAdd(record.KeyId, static (keyId, r) => new Caller(keyId, Enum.Parse<CallerRole>(r.Role, ignoreCase: true), r.HostId), record);
        _valid[cacheKey] = (caller, now + _options.KeyCacheLifetime);
        return caller.IsRevoked ? throw Revoked() : caller;
    }

    /// <summary>Marks a key revoked in the cache: its cached callers, streams included, stop at once.</summary>
    public void MarkRevoked(string keyId)
    {
        if (_byKeyId.TryGetValue(keyId, out var caller))
        {
            caller.MarkRevoked();
        }
    }

    private static readonly Caller BootstrapCaller = new("bootstrap", CallerRole.Admin, null);

    private static ApiKeyRejectedException UnknownKey() => new(ApiKeyRejection.Unknown, "The API key is not valid.");

    private static ApiKeyRejectedException Revoked() => new(ApiKeyRejection.Revoked, "The API key has been revoked.");
}
