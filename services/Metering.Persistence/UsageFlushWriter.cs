using Dapper;
using Metering.Domain.Usage;
using Npgsql;
using NpgsqlTypes;

namespace Metering.Persistence;

/// <summary>
/// Writes flush snapshots into usage_hourly in one transaction that also records each flush id (docs/architecture.md,
/// "Flush"). A flush id already recorded is skipped with its rows, so re-flushing a snapshot (after a crash, or by
/// another replica at the same time) is a no-op. Rows go in as arrays in one statement, merged per key (buckets of
/// several snapshots of a host may coincide) and sorted by key. Buckets whose first usage ever is in the snapshots have
/// no row yet: they go in by binary COPY, the cheapest insert there is. The others are updated where they exist and
/// inserted where not, in one statement, which costs PostgreSQL about half of an INSERT ... ON CONFLICT for new rows.
/// When a key was inserted by another writer first (a unique violation), or two writers deadlock, the transaction is
/// redone once with INSERT ... ON CONFLICT for every row, which cannot collide.
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

    private const string UpdateThenInsertSql = """
        WITH input AS (
            SELECT * FROM unnest(@Hosts::text[], @Models::text[], @Hours::timestamptz[], @Input::bigint[], @Output::bigint[], @Requests::bigint[], @Billed::bigint[], @Records::bigint[])
                AS t (host_id, model, hour, input_tokens, output_tokens, requests, billed_micros, records)
        ), updated AS (
            UPDATE usage_hourly AS u SET
                input_tokens = u.input_tokens + i.input_tokens,
                output_tokens = u.output_tokens + i.output_tokens,
                requests = u.requests + i.requests,
                billed_micros = u.billed_micros + i.billed_micros,
                records = u.records + i.records
            FROM input AS i
            WHERE u.host_id = i.host_id AND u.hour = i.hour AND u.model = i.model
            RETURNING u.host_id, u.hour, u.model
        )
        INSERT INTO usage_hourly (host_id, model, hour, input_tokens, output_tokens, requests, billed_micros, records)
        SELECT * FROM input AS i
        WHERE NOT EXISTS (SELECT 1 FROM updated AS x WHERE x.host_id = i.host_id AND x.hour = i.hour AND x.model = i.model)
        """;

    private const string CopySql = "COPY usage_hourly (host_id, model, hour, input_tokens, output_tokens, requests, billed_micros, records) FROM STDIN (FORMAT BINARY)";

    private const string PruneSql = "DELETE FROM usage_flushes WHERE flushed_at < @Before";

    private static readonly Comparison<UsageFlushRow> KeyOrder = static (a, b) =>
    {
        var byHost = string.CompareOrdinal(a.HostId, b.HostId);
        if (byHost != 0)
        {
            return byHost;
        }

        var byHour = a.HourUtc.CompareTo(b.HourUtc);
        return byHour != 0 ? byHour : string.CompareOrdinal(a.Model, b.Model);
    };

    private readonly NpgsqlDataSource _dataSource;

    public UsageFlushWriter(NpgsqlDataSource dataSource) => _dataSource = dataSource;

    /// <summary>Writes the snapshots; returns how many rows were added (snapshots already recorded add none).</summary>
    public async Task<int> WriteAsync(IReadOnlyList<UsageFlushSnapshot> snapshots, DateTime nowUtc, CancellationToken cancellationToken)
    {
        if (snapshots.Count == 0)
        {
            return 0;
        }

        try
        {
            return await WriteAsync(snapshots, nowUtc, trustFirstUsage: true, cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DeadlockDetected)
        {
            return await WriteAsync(snapshots, nowUtc, trustFirstUsage: false, cancellationToken);
        }
    }

    private async Task<int> WriteAsync(IReadOnlyList<UsageFlushSnapshot> snapshots, DateTime nowUtc, bool trustFirstUsage, CancellationToken cancellationToken)
    {
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

        // A flush id is written once: the first snapshot carrying it (the same snapshot passed twice adds nothing more).
        var rows = MergeByKey(snapshots.Where(s => recorded.Remove(s.FlushId)));
        if (rows.Length > 0)
        {
            var months = new HashSet<DateTime>();
            foreach (var row in rows)
            {
                months.Add(new DateTime(row.HourUtc.Year, row.HourUtc.Month, 1, 0, 0, 0, DateTimeKind.Utc));
            }

            await connection.ExecuteAsync(new CommandDefinition(EnsurePartitionsSql, new { Months = months.ToArray() }, transaction, cancellationToken: cancellationToken));
            var existing = rows;
            if (trustFirstUsage && Array.Exists(rows, static r => r.FirstUsage))
            {
                await CopyAsync(connection, rows.Where(r => r.FirstUsage), cancellationToken);
                existing = rows.Where(r => !r.FirstUsage).ToArray();
            }

            if (existing.Length > 0)
            {
                await connection.ExecuteAsync(new CommandDefinition(trustFirstUsage ? UpdateThenInsertSql : UpsertSql, new
                {
                    Hosts = Column(existing, static r => r.HostId),
                    Models = Column(existing, static r => r.Model),
                    Hours = Column(existing, static r => r.HourUtc),
                    Input = Column(existing, static r => r.Counters.InputTokens),
                    Output = Column(existing, static r => r.Counters.OutputTokens),
                    Requests = Column(existing, static r => r.Counters.Requests),
                    Billed = Column(existing, static r => r.Counters.BilledMicros),
                    Records = Column(existing, static r => r.Counters.Records),
                }, transaction, cancellationToken: cancellationToken, commandTimeout: 300));
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return rows.Length;
    }

    /// <summary>Forgets flush ids recorded before <paramref name="before"/>; returns how many.</summary>
    public async Task<int> PruneAsync(DateTime before, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(PruneSql, new { Before = before }, cancellationToken: cancellationToken));
    }

    private static async Task CopyAsync(NpgsqlConnection connection, IEnumerable<UsageFlushRow> rows, CancellationToken cancellationToken)
    {
        await using var copy = await connection.BeginBinaryImportAsync(CopySql, cancellationToken);
        foreach (var row in rows)
        {
            await copy.StartRowAsync(cancellationToken);
            copy.Write(row.HostId, NpgsqlDbType.Text);
            copy.Write(row.Model, NpgsqlDbType.Text);
            copy.Write(row.HourUtc, NpgsqlDbType.TimestampTz);
            copy.Write(row.Counters.InputTokens, NpgsqlDbType.Bigint);
            copy.Write(row.Counters.OutputTokens, NpgsqlDbType.Bigint);
            copy.Write(row.Counters.Requests, NpgsqlDbType.Bigint);
            copy.Write(row.Counters.BilledMicros, NpgsqlDbType.Bigint);
            copy.Write(row.Counters.Records, NpgsqlDbType.Bigint);
        }

        await copy.CompleteAsync(cancellationToken);
    }

    /// <summary>
    /// The rows of the snapshots sorted by (host, hour, model), rows of the same key summed into one (a first usage in
    /// any of them makes the sum a first usage: all of them are written in this transaction).
    /// </summary>
    private static UsageFlushRow[] MergeByKey(IEnumerable<UsageFlushSnapshot> snapshots)
    {
        var rows = snapshots.SelectMany(s => s.Rows).ToArray();
        if (rows.Length == 0)
        {
            return rows;
        }

        Array.Sort(rows, KeyOrder);
        var kept = 0;
        for (var i = 1; i < rows.Length; i++)
        {
            if (KeyOrder(rows[kept], rows[i]) == 0)
            {
                var sum = rows[kept].Counters;
                sum.Add(rows[i].Counters);
                rows[kept] = rows[kept] with { Counters = sum, FirstUsage = rows[kept].FirstUsage || rows[i].FirstUsage };
            }
            else
            {
                rows[++kept] = rows[i];
            }
        }

        // A bucket can hold only zeros (a batch undone for overflow after its first usage marked it): nothing to add.
        return Array.FindAll(rows[..(kept + 1)], static r => !r.Counters.IsZero);
    }

    private static T[] Column<T>(UsageFlushRow[] rows, Func<UsageFlushRow, T> select)
    {
        var column = new T[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            column[i] = select(rows[i]);
        }

        return column;
    }
}
