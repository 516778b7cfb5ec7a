using Metering.Persistence.Settlement;
using Npgsql;

namespace Metering.Persistence.Audit;

/// <summary>Reads the audit trail (events are written by <see cref="AuditLog"/>, inside the transactions of their changes).</summary>
public sealed class AuditRepository
{
    private const string ListSql = """
        SELECT event_id, occurred_at, actor_key_id, actor_role, action, target_type, target_id, host_id, summary::text
        FROM audit_events
        WHERE (@From IS NULL OR occurred_at >= @From)
          AND (@To IS NULL OR occurred_at < @To)
          AND (@Action IS NULL OR action = @Action)
          AND (@ActionPrefix IS NULL OR starts_with(action, @ActionPrefix))
          AND (@TargetType IS NULL OR target_type = @TargetType)
          AND (@TargetId IS NULL OR target_id = @TargetId)
          AND (@HostId IS NULL OR host_id = @HostId)
          AND (@ActorKeyId IS NULL OR actor_key_id = @ActorKeyId)
          AND (@Before IS NULL OR event_id < @Before)
        ORDER BY event_id DESC
        LIMIT @Limit
        """;

    private readonly NpgsqlDataSource _dataSource;

    public AuditRepository(NpgsqlDataSource dataSource) => _dataSource = dataSource;

    /// <summary>One page of events matching <paramref name="query"/>, newest first.</summary>
    public async Task<IReadOnlyList<AuditEventRecord>> ListAsync(AuditEventQuery query, CancellationToken cancellationToken)
    {
        var prefix = query.Action is { } action && action.EndsWith('.') ? action : null;
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = SqlCommands.Create(connection, null, ListSql)
            .With("From", query.From is { } from ? DateTime.SpecifyKind(from, DateTimeKind.Utc) : null, NpgsqlTypes.NpgsqlDbType.TimestampTz)
            .With("To", query.To is { } to ? DateTime.SpecifyKind(to, DateTimeKind.Utc) : null, NpgsqlTypes.NpgsqlDbType.TimestampTz)
            .WithText("Action", prefix is null ? query.Action : null)
            .WithText("ActionPrefix", prefix)
            .WithText("TargetType", query.TargetType)
            .WithText("TargetId", query.TargetId)
            .WithText("HostId", query.HostId)
            .WithText("ActorKeyId", query.ActorKeyId)
            .With("Before", query.BeforeEventId, NpgsqlTypes.NpgsqlDbType.Bigint)
            .WithInt("Limit", query.Limit);
        var events = new List<AuditEventRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(new AuditEventRecord(
                reader.GetInt64(0),
                reader.GetUtc(1),
                reader.GetString(2),
                reader.GetString(3),
                reader.GetString(4),
                reader.GetString(5),
                reader.GetString(6),
                reader.GetStringOrNull(7),
                reader.GetString(8)));
        }

        return events;
    }
}
