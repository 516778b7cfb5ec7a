using System.Text.Json.Nodes;
using Dapper;
using Metering.Persistence.Audit;
using Npgsql;

namespace Metering.Persistence;

/// <summary>API keys in PostgreSQL, looked up by the SHA-256 hash of their secret.</summary>
public sealed class ApiKeyRepository
{
    private const string InsertSql = """
        INSERT INTO api_keys (key_id, secret_hash, role, host_id, description, created_at)
        VALUES (@KeyId, @SecretHash, @Role, @HostId, @Description, @CreatedAt)
        """;

    private const string FindByHashSql = """
        SELECT key_id AS KeyId, role AS Role, host_id AS HostId, description AS Description, created_at AS CreatedAt, revoked_at AS RevokedAt
        FROM api_keys WHERE secret_hash = @SecretHash
        """;

    private const string RevokeSql = """
        UPDATE api_keys k SET revoked_at = COALESCE(old.revoked_at, @At)
        FROM (SELECT key_id, revoked_at FROM api_keys WHERE key_id = @KeyId FOR UPDATE) old
        WHERE k.key_id = old.key_id
        RETURNING k.revoked_at AS RevokedAt, old.revoked_at IS NULL AS Revoked, k.role AS Role, k.host_id AS HostId, k.description AS Description
        """;

    private const string RevokedSinceSql = """
        SELECT key_id FROM api_keys WHERE revoked_at IS NOT NULL AND revoked_at >= @Since
        """;

    private readonly NpgsqlDataSource _dataSource;

    public ApiKeyRepository(NpgsqlDataSource dataSource) => _dataSource = dataSource;

    /// <summary>Inserts the key and its "api_key.create" audit event by <paramref name="actor"/> (without the secret or its hash) in one transaction.</summary>
    public async Task CreateAsync(ApiKeyRecord key, byte[] secretHash, AuditActor actor, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(InsertSql, new { key.KeyId, SecretHash = secretHash, key.Role, key.HostId, key.Description, key.CreatedAt }, transaction, cancellationToken: cancellationToken));
        var after = new JsonObject
        {
            ["key_id"] = key.KeyId,
            ["role"] = key.Role,
            ["host_id"] = key.HostId,
            ["description"] = key.Description,
            ["created_at"] = AuditLog.Time(key.CreatedAt),
        };
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry(key.CreatedAt, actor, "api_key.create", "api_key", key.KeyId, key.HostId, null, after), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<ApiKeyRecord?> FindBySecretHashAsync(byte[] secretHash, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<ApiKeyRecord>(new CommandDefinition(FindByHashSql, new { SecretHash = secretHash }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Revokes the key (idempotent) and, when this call revoked it, writes its "api_key.revoke" audit event by
    /// <paramref name="actor"/> in the same transaction; returns when it was revoked, or null for an unknown key.
    /// </summary>
    public async Task<DateTime?> RevokeAsync(string keyId, DateTime at, AuditActor actor, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<RevokedRow>(new CommandDefinition(RevokeSql, new { KeyId = keyId, At = at }, transaction, cancellationToken: cancellationToken));
        if (row is null)
        {
            return null;
        }

        if (row.Revoked)
        {
            var before = new JsonObject { ["key_id"] = keyId, ["role"] = row.Role, ["host_id"] = row.HostId, ["description"] = row.Description, ["revoked_at"] = null };
            var after = new JsonObject { ["key_id"] = keyId, ["role"] = row.Role, ["host_id"] = row.HostId, ["description"] = row.Description, ["revoked_at"] = AuditLog.Time(row.RevokedAt) };
            await AuditLog.WriteAsync(connection, transaction, new AuditEntry(at, actor, "api_key.revoke", "api_key", keyId, row.HostId, before, after), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return row.RevokedAt;
    }

    public async Task<IReadOnlyList<string>> RevokedSinceAsync(DateTime since, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<string>(new CommandDefinition(RevokedSinceSql, new { Since = since }, cancellationToken: cancellationToken))).AsList();
    }

    private sealed record RevokedRow(DateTime RevokedAt, bool Revoked, string Role, string? HostId, string Description);
}
