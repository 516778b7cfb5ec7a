using System.Globalization;
using System.Text.Json.Nodes;
using Npgsql;
using NpgsqlTypes;

namespace Metering.Persistence.Audit;

/// <summary>
/// Writes audit events into audit_events (migration 0007), inside the transaction of the change they record, so the
/// change and its event commit or roll back together. The table is append-only (docs/architecture.md, "Audit trail").
/// </summary>
public static class AuditLog
{
    private const string InsertSql = """
        INSERT INTO audit_events (occurred_at, actor_key_id, actor_role, action, target_type, target_id, host_id, summary)
        VALUES (@OccurredAt, @ActorKeyId, @ActorRole, @Action, @TargetType, @TargetId, @HostId, @Summary)
        RETURNING event_id
        """;

    // Property names a summary must never carry: what would put a secret (or what verifies one) into the trail.
    private static readonly string[] SecretWords = ["secret", "password", "hash", "bootstrap_admin_key", "private_key"];

    /// <summary>
    /// Writes <paramref name="entry"/> in <paramref name="transaction"/> (of <paramref name="connection"/>) and returns
    /// its event id. Throws <see cref="ArgumentException"/> for a summary with a property named like a secret.
    /// </summary>
    public static async Task<long> WriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, AuditEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var summary = Summary(entry);
        await using var command = new NpgsqlCommand(InsertSql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter("OccurredAt", NpgsqlDbType.TimestampTz) { Value = DateTime.SpecifyKind(entry.OccurredAt, DateTimeKind.Utc) });
        command.Parameters.Add(new NpgsqlParameter("ActorKeyId", NpgsqlDbType.Text) { Value = entry.Actor.KeyId });
        command.Parameters.Add(new NpgsqlParameter("ActorRole", NpgsqlDbType.Text) { Value = entry.Actor.Role });
        command.Parameters.Add(new NpgsqlParameter("Action", NpgsqlDbType.Text) { Value = entry.Action });
        command.Parameters.Add(new NpgsqlParameter("TargetType", NpgsqlDbType.Text) { Value = entry.TargetType });
        command.Parameters.Add(new NpgsqlParameter("TargetId", NpgsqlDbType.Text) { Value = entry.TargetId });
        command.Parameters.Add(new NpgsqlParameter("HostId", NpgsqlDbType.Text) { Value = (object?)entry.HostId ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("Summary", NpgsqlDbType.Jsonb) { Value = summary });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>A time as the summaries write it: ISO 8601 UTC with microseconds (<c>2026-11-27T08:15:02.123456Z</c>).</summary>
    public static string Time(DateTime time)
        => DateTime.SpecifyKind(time, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>An amount as the summaries write it: a decimal string (money is never a JSON number, which readers take as binary floating point).</summary>
    public static string Decimal(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Summary(AuditEntry entry)
    {
        var summary = new JsonObject();
        if (entry.Before is not null)
        {
            summary["before"] = entry.Before.DeepClone();
        }

        if (entry.After is not null)
        {
            summary["after"] = entry.After.DeepClone();
        }

        RefuseSecrets(summary, entry.Action);
        return summary.ToJsonString();
    }

    private static void RefuseSecrets(JsonNode? node, string action)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj)
                {
                    if (SecretWords.Any(word => name.Contains(word, StringComparison.OrdinalIgnoreCase)))
                    {
                        throw new ArgumentException($"The audit summary of {action} has a property '{name}' named like a secret; secrets never go into the audit trail.", nameof(node));
                    }

                    RefuseSecrets(value, action);
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    RefuseSecrets(item, action);
                }

                break;
        }
    }
}
