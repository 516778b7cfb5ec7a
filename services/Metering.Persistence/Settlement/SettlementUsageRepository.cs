using Metering.Domain.Settlement;
using Npgsql;

namespace Metering.Persistence.Settlement;

/// <summary>
/// The usage settlement reads: the flushed hourly table (usage_hourly) summed per host and model over a month.
/// What Redis still holds is not read: a month is settled from what has been flushed; what arrives later is
/// picked up by the next run (DRAFT) or as an adjustment (FINAL).
/// </summary>
public sealed class SettlementUsageRepository
{
    private const string OneHostSql = """
        SELECT host_id, model, sum(input_tokens)::bigint, sum(output_tokens)::bigint, sum(requests)::bigint, sum(billed_micros)::bigint
        FROM usage_hourly
        WHERE host_id = @HostId AND hour >= @Start AND hour < @End
        GROUP BY host_id, model
        """;

    private const string AllHostsSql = """
        SELECT host_id, model, sum(input_tokens)::bigint, sum(output_tokens)::bigint, sum(requests)::bigint, sum(billed_micros)::bigint
        FROM usage_hourly
        WHERE hour >= @Start AND hour < @End
        GROUP BY host_id, model
        """;

    // The month's partition when its bounds are exactly the month (as usage_partition_for creates them): every row
    // of it is in the month, so it is read whole, without testing each row's hour. Both sides of the comparison are
    // rendered with the session's time zone.
    private const string MonthPartitionSql = """
        SELECT c.oid::regclass::text
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'usage_hourly'::regclass
          AND pg_get_expr(c.relpartbound, c.oid) = format('FOR VALUES FROM (%L) TO (%L)', @Start::timestamptz, @End::timestamptz)
        """;

    private const string PartitionPlaceholder = "{partition}";

    private const string WholePartitionSql = """
        SELECT host_id, model, sum(input_tokens)::bigint, sum(output_tokens)::bigint, sum(requests)::bigint, sum(billed_micros)::bigint
        FROM {partition}
        GROUP BY host_id, model
        """;

    private const string SomeHostsSql = """
        SELECT u.host_id, u.model, sum(u.input_tokens)::bigint, sum(u.output_tokens)::bigint, sum(u.requests)::bigint, sum(u.billed_micros)::bigint
        FROM usage_hourly u
        JOIN unnest(@Hosts) AS h(host_id) ON h.host_id = u.host_id
        WHERE u.hour >= @Start AND u.hour < @End
        GROUP BY u.host_id, u.model
        """;

    private readonly NpgsqlDataSource _dataSource;

    public SettlementUsageRepository(NpgsqlDataSource dataSource) => _dataSource = dataSource;

    /// <summary>The host's usage in <paramref name="month"/> per model, ordered by model.</summary>
    public async Task<IReadOnlyList<ModelUsage>> ReadAsync(string hostId, YearMonth month, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = SqlCommands.Create(connection, null, OneHostSql).WithText("HostId", hostId).WithTime("Start", month.StartUtc).WithTime("End", month.EndUtc);
        var usage = await ReadAsync(command, cancellationToken);
        return usage.TryGetValue(hostId, out var models) ? models.OrderBy(m => m.Model, StringComparer.Ordinal).ToList() : [];
    }

    /// <summary>Usage in <paramref name="month"/> per host and model (every host when <paramref name="hosts"/> is null).</summary>
    internal static async Task<Dictionary<string, List<ModelUsage>>> ReadManyAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyCollection<string>? hosts, YearMonth month, CancellationToken cancellationToken)
    {
        if (hosts is { Count: 0 })
        {
            return new Dictionary<string, List<ModelUsage>>(StringComparer.Ordinal);
        }

        var sql = hosts is not null ? SomeHostsSql : AllHostsSql;
        if (hosts is null)
        {
            await using var find = SqlCommands.Create(connection, transaction, MonthPartitionSql).WithTime("Start", month.StartUtc).WithTime("End", month.EndUtc);
            if (await find.ExecuteScalarAsync(cancellationToken) is string partition)
            {
                sql = WholePartitionSql.Replace(PartitionPlaceholder, partition, StringComparison.Ordinal);
            }
        }

        await using var command = SqlCommands.Create(connection, transaction, sql)
            .WithTime("Start", month.StartUtc)
            .WithTime("End", month.EndUtc);
        if (hosts is not null)
        {
            command.WithTexts("Hosts", hosts);
        }

        return await ReadAsync(command, cancellationToken);
    }

    private static async Task<Dictionary<string, List<ModelUsage>>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, List<ModelUsage>>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var host = reader.GetString(0);
            if (!result.TryGetValue(host, out var models))
            {
                result[host] = models = [];
            }

            models.Add(new ModelUsage(reader.GetString(1), new UsageTotals(reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5))));
        }

        return result;
    }
}
