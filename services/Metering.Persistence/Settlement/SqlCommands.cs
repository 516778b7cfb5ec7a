using NpgsqlTypes;
using Npgsql;

namespace Metering.Persistence.Settlement;

/// <summary>Small helpers for typed parameters (nulls need their type; Dapper does not map DateOnly or nullable arrays for us).</summary>
internal static class SqlCommands
{
    /// <summary>SQLSTATE the settlement triggers raise when a FINAL statement, or an agreement one used, would change.</summary>
    public const string FinalChangeSqlState = "SF001";

    public static NpgsqlCommand Create(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql)
        => new(sql, connection, transaction);

    public static NpgsqlCommand With(this NpgsqlCommand command, string name, object? value, NpgsqlDbType type)
    {
        command.Parameters.Add(new NpgsqlParameter(name, type) { Value = value ?? DBNull.Value });
        return command;
    }

    public static NpgsqlCommand WithText(this NpgsqlCommand command, string name, string? value) => command.With(name, value, NpgsqlDbType.Text);

    public static NpgsqlCommand WithTexts(this NpgsqlCommand command, string name, IEnumerable<string> values)
        => command.With(name, values as string[] ?? values.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text);

    public static NpgsqlCommand WithDate(this NpgsqlCommand command, string name, DateOnly? value) => command.With(name, value, NpgsqlDbType.Date);

    public static NpgsqlCommand WithTime(this NpgsqlCommand command, string name, DateTime value)
        => command.With(name, DateTime.SpecifyKind(value, DateTimeKind.Utc), NpgsqlDbType.TimestampTz);

    public static NpgsqlCommand WithBool(this NpgsqlCommand command, string name, bool value) => command.With(name, value, NpgsqlDbType.Boolean);

    public static NpgsqlCommand WithLong(this NpgsqlCommand command, string name, long value) => command.With(name, value, NpgsqlDbType.Bigint);

    public static NpgsqlCommand WithInt(this NpgsqlCommand command, string name, int value) => command.With(name, value, NpgsqlDbType.Integer);

    public static DateTime GetUtc(this NpgsqlDataReader reader, int ordinal)
        => DateTime.SpecifyKind(reader.GetFieldValue<DateTime>(ordinal), DateTimeKind.Utc);

    public static DateTime? GetUtcOrNull(this NpgsqlDataReader reader, int ordinal)
        => reader.IsDBNull(ordinal) ? null : reader.GetUtc(ordinal);

    public static decimal? GetDecimalOrNull(this NpgsqlDataReader reader, int ordinal)
        => reader.IsDBNull(ordinal) ? null : reader.GetDecimal(ordinal);

    public static string? GetStringOrNull(this NpgsqlDataReader reader, int ordinal)
        => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static DateOnly? GetDateOrNull(this NpgsqlDataReader reader, int ordinal)
        => reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateOnly>(ordinal);

    /// <summary>Serializes settlement writes of one host across replicas (transaction-scoped advisory lock).</summary>
    public static async Task LockHostAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string hostId, CancellationToken cancellationToken)
    {
        await using var command = Create(connection, transaction, "SELECT pg_advisory_xact_lock(hashtextextended('settlement-host:' || @HostId, 0))").WithText("HostId", hostId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Turns a trigger's refusal to change a FINAL statement into <see cref="FinalStatementChangeException"/>.</summary>
    public static Exception Translate(PostgresException exception)
        => exception.SqlState == FinalChangeSqlState ? new FinalStatementChangeException(exception.MessageText, exception) : exception;
}
