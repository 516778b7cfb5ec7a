using System.Text.Json;
using Metering.Persistence.Audit;
using Npgsql;

namespace Metering.Testing;

/// <summary>Reads audit_events straight from a service's database (oldest first), for tests of what was audited.</summary>
public static class AuditTrail
{
    private const string Sql = """
        SELECT event_id, occurred_at, actor_key_id, actor_role, action, target_type, target_id, host_id, summary::text
        FROM audit_events WHERE (@Action IS NULL OR action = @Action) ORDER BY event_id
        """;

    /// <summary>Every event (of <paramref name="action"/> when given), oldest first.</summary>
    public static async Task<IReadOnlyList<AuditEventRecord>> ReadAsync(string postgres, string? action = null)
    {
        await using var connection = new NpgsqlConnection(postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(Sql, connection);
        command.Parameters.Add(new NpgsqlParameter("Action", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)action ?? DBNull.Value });
        var events = new List<AuditEventRecord>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            events.Add(new AuditEventRecord(
                reader.GetInt64(0),
                DateTime.SpecifyKind(reader.GetDateTime(1), DateTimeKind.Utc),
                reader.GetString(2),
                reader.GetString(3),
                reader.GetString(4),
                reader.GetString(5),
                reader.GetString(6),
                reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.GetString(8)));
        }

        return events;
    }

    /// <summary>The events about one target, oldest first.</summary>
    public static async Task<IReadOnlyList<AuditEventRecord>> ForTargetAsync(string postgres, string targetType, string targetId)
        => (await ReadAsync(postgres)).Where(e => e.TargetType == targetType && e.TargetId == targetId).ToList();

    /// <summary>The summary of an event, parsed.</summary>
    public static JsonElement Summary(this AuditEventRecord record)
    {
        using var document = JsonDocument.Parse(record.Summary);
        return document.RootElement.Clone();
    }
}
