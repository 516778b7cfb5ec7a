using Dapper;
using Npgsql;

namespace Metering.Persistence;

/// <summary>
/// Writes flush snapshots into usage_hourly in one transaction that also records each flush id (design §5). A
/// flush id already recorded is skipped with its rows, so re-flushing a snapshot (after a crash, or by another
/// replica at the same time) is a no-op. Rows go in as arrays (one statement), sorted by key so concurrent
/// writers lock rows in the same order.
/// </summary>
public sealed class UsageFlushWriter
{
    private const string RecordFlushesSql = """
        INSERT INTO usage_flushes (flush_id, host_id, buckets, flushed_at, cut_stamp)
        SELECT * FROM unnest(@FlushIds::text[], @HostIds::text[], @Buckets::int[], @At::timestamptz[], @CutStamps::bigint[])
        ON CONFLICT (flush_id) DO NOTHING
        RETURNING flush_id
        """;

    private const string EnsurePartitionsSql = "SELECT usage_partition_for(m) FROM unnest(@Months::timestamptz[]) AS m";

    private const string UpsertSql = """
        INSERT INTO usage_hourly AS u (host_id, model, hour, input_tokens, output_tokens, requests, billed_micros, records)
        SELECT * FROM unnest(@Hosts::text[], @Models::text[], @Hours::timestamptz[], @Input::bigint[], @Output::bigint[], @Requests::bigint[], @Billed::bigint[], @Records::bigint[])
        ON CONFLICT (host_id, hour, model) DO UPDATE SET
            input_tokens = u.input_tokens + EXCLUDED.input_tokens,
            output_tokens = u.output_tokens + EXCLUDED.output_tokens,
            requests = u.requests + EXCLUDED.requests,
            billed_micros = u.billed_micros + EXCLUDED.billed_micros,
            records = u.records + EXCLUDED.records
        """;

    private const string PruneSql = "DELETE FROM usage_flushes WHERE flushed_at < @Before";

    private readonly NpgsqlDataSource _dataSource;

    public UsageFlushWriter(NpgsqlDataSource dataSource) => _dataSource = dataSource;

    /// <summary>Writes the snapshots; returns how many rows were added (snapshots already recorded add none).</summary>
    public async Task<int> WriteAsync(IReadOnlyList<UsageFlushSnapshot> snapshots, DateTime nowUtc, CancellationToken cancellationToken)
    {
        if (snapshots.Count == 0)
        {
            return 0;
        }

        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var recorded = (await connection.QueryAsync<string>(new CommandDefinition(RecordFlushesSql, new
        {
            FlushIds = snapshots.Select(s => s.FlushId).ToArray(),
            HostIds = snapshots.Select(s => s.HostId).ToArray(),
            Buckets = snapshots.Select(s => s.Rows.Count).ToArray(),
            At = snapshots.Select(_ => nowUtc).ToArray(),
            CutStamps = snapshots.Select(s => s.CutStamp).ToArray(),
        }, transaction, cancellationToken: cancellationToken))).ToHashSet(StringComparer.Ordinal);

        var rows = snapshots.Where(s => recorded.Contains(s.FlushId)).SelectMany(s => s.Rows)
            .GroupBy(r => (r.HostId, r.HourUtc, r.Model))
            .Select(g =>
            {
                var total = default(Metering.Domain.Usage.UsageCounters);
                foreach (var row in g)
                {
                    total.Add(row.Counters);
                }

                return new UsageFlushRow(g.Key.HostId, g.Key.Model, g.Key.HourUtc, total);
            })
            .OrderBy(r => r.HostId, StringComparer.Ordinal).ThenBy(r => r.HourUtc).ThenBy(r => r.Model, StringComparer.Ordinal)
            .ToList();
        if (rows.Count > 0)
        {
            var months = rows.Select(r => new DateTime(r.HourUtc.Year, r.HourUtc.Month, 1, 0, 0, 0, DateTimeKind.Utc)).Distinct().ToArray();
            await connection.ExecuteAsync(new CommandDefinition(EnsurePartitionsSql, new { Months = months }, transaction, cancellationToken: cancellationToken));
            await connection.ExecuteAsync(new CommandDefinition(UpsertSql, new
            {
                Hosts = rows.Select(r => r.HostId).ToArray(),
                Models = rows.Select(r => r.Model).ToArray(),
                Hours = rows.Select(r => r.HourUtc).ToArray(),
                Input = rows.Select(r => r.Counters.InputTokens).ToArray(),
                Output = rows.Select(r => r.Counters.OutputTokens).ToArray(),
                Requests = rows.Select(r => r.Counters.Requests).ToArray(),
                Billed = rows.Select(r => r.Counters.BilledMicros).ToArray(),
                Records = rows.Select(r => r.Counters.Records).ToArray(),
            }, transaction, cancellationToken: cancellationToken, commandTimeout: 300));
        }

        await transaction.CommitAsync(cancellationToken);
        return rows.Count;
    }

    /// <summary>Forgets flush ids recorded before <paramref name="before"/>; returns how many.</summary>
    public async Task<int> PruneAsync(DateTime before, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(PruneSql, new { Before = before }, cancellationToken: cancellationToken));
    }
}
