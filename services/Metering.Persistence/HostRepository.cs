using System.Text.Json.Nodes;
using Dapper;
using Metering.Persistence.Audit;
using Npgsql;

namespace Metering.Persistence;

/// <summary>Hosts in PostgreSQL.</summary>
public sealed class HostRepository
{
    private const string InsertSql = """
        INSERT INTO hosts (host_id, display_name, created_at) VALUES (@HostId, @DisplayName, @CreatedAt)
        ON CONFLICT (host_id) DO NOTHING
        """;

    private const string ListSql = """
        SELECT host_id AS HostId, display_name AS DisplayName, created_at AS CreatedAt
        FROM hosts WHERE host_id > @After ORDER BY host_id LIMIT @Limit
        """;

    private const string ExistsSql = "SELECT EXISTS (SELECT 1 FROM hosts WHERE host_id = @HostId)";

    private const string AllIdsSql = "SELECT host_id FROM hosts ORDER BY host_id";

    private readonly NpgsqlDataSource _dataSource;

    public HostRepository(NpgsqlDataSource dataSource) => _dataSource = dataSource;

    /// <summary>
    /// Inserts the host and its "host.create" audit event by <paramref name="actor"/> in one transaction; false (and
    /// nothing written) when the id is taken.
    /// </summary>
    public async Task<bool> TryCreateAsync(HostRecord host, AuditActor actor, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (await connection.ExecuteAsync(new CommandDefinition(InsertSql, host, transaction, cancellationToken: cancellationToken)) != 1)
        {
            return false;
        }

        var after = new JsonObject
        {
            ["host_id"] = host.HostId,
            ["display_name"] = host.DisplayName,
            ["created_at"] = AuditLog.Time(host.CreatedAt),
        };
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry(host.CreatedAt, actor, "host.create", "host", host.HostId, host.HostId, null, after), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<IReadOnlyList<HostRecord>> ListAsync(string after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<HostRecord>(new CommandDefinition(ListSql, new { After = after, Limit = limit }, cancellationToken: cancellationToken))).AsList();
    }

    public async Task<bool> ExistsAsync(string hostId, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(ExistsSql, new { HostId = hostId }, cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<string>> ListIdsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<string>(new CommandDefinition(AllIdsSql, cancellationToken: cancellationToken))).AsList();
    }
}
