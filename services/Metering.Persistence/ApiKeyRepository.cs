using Dapper;
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
        UPDATE api_keys SET revoked_at = COALESCE(revoked_at, @At) WHERE key_id = @KeyId
        RETURNING revoked_at
        """;

    private const string RevokedSinceSql = """
        SELECT key_id FROM api_keys WHERE revoked_at IS NOT NULL AND revoked_at >= @Since
        """;

    private readonly NpgsqlDataSource _dataSource;

    public ApiKeyRepository(NpgsqlDataSource dataSource) => _dataSource = dataSource;

    public async Task CreateAsync(ApiKeyRecord key, byte[] secretHash, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(InsertSql, new { key.KeyId, SecretHash = secretHash, key.Role, key.HostId, key.Description, key.CreatedAt }, cancellationToken: cancellationToken));
    }

    public async Task<ApiKeyRecord?> FindBySecretHashAsync(byte[] secretHash, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<ApiKeyRecord>(new CommandDefinition(FindByHashSql, new { SecretHash = secretHash }, cancellationToken: cancellationToken));
    }

    /// <summary>Revokes the key (idempotent); returns when it was revoked, or null for an unknown key.</summary>
    public async Task<DateTime?> RevokeAsync(string keyId, DateTime at, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<DateTime?>(new CommandDefinition(RevokeSql, new { KeyId = keyId, At = at }, cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<string>> RevokedSinceAsync(DateTime since, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<string>(new CommandDefinition(RevokedSinceSql, new { Since = since }, cancellationToken: cancellationToken))).AsList();
    }
}
