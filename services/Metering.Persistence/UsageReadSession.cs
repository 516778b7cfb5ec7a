using Dapper;
using Metering.Domain.Usage;
using Npgsql;

namespace Metering.Persistence;

/// <summary>
/// One read of usage in PostgreSQL for a usage query: one repeatable-read transaction, so every window of a page, the
/// committed flush ids and the latest cut stamps are read from the same snapshot of the database.
/// </summary>
public sealed class UsageReadSession : IAsyncDisposable
{
    private const string WindowSql = """
        SELECT CASE WHEN @ByHost THEN host_id ELSE '' END AS HostKey,
               CASE WHEN @ByModel THEN model ELSE '' END AS ModelKey,
               CASE WHEN @Unit = 'total' THEN NULL ELSE date_trunc(@Unit, hour, 'UTC') END AS Bucket,
               sum(input_tokens)::bigint AS InputTokens,
               sum(output_tokens)::bigint AS OutputTokens,
               sum(requests)::bigint AS Requests,
               sum(billed_micros)::bigint AS BilledMicros,
               sum(records)::bigint AS Records
        FROM usage_hourly
        WHERE hour >= @WindowStart AND hour < @WindowEnd
          AND (@AllHosts OR host_id = ANY(@Hosts))
          AND (@AllModels OR model = ANY(@Models))
          AND (NOT @HasAfter
               OR (CASE WHEN @Unit = 'total' THEN @QueryStart ELSE date_trunc(@Unit, hour, 'UTC') END) > @AfterBucket
               OR ((CASE WHEN @Unit = 'total' THEN @QueryStart ELSE date_trunc(@Unit, hour, 'UTC') END) = @AfterBucket
                   AND (CASE WHEN @ByHost THEN host_id ELSE '' END COLLATE "C", CASE WHEN @ByModel THEN model ELSE '' END COLLATE "C")
                       > (@AfterHost COLLATE "C", @AfterModel COLLATE "C")))
        GROUP BY 1, 2, 3
        """;

    // Approved corrections, bucketed like counted usage by their first hour: a correction counts in a bucket only when
    // its whole hour range lies inside that bucket (and in the window, which is made of whole buckets).
    private const string CorrectionsSql = """
        SELECT CASE WHEN @ByHost THEN host_id ELSE '' END AS HostKey,
               CASE WHEN @ByModel THEN model ELSE '' END AS ModelKey,
               CASE WHEN @Unit = 'total' THEN NULL ELSE date_trunc(@Unit, from_hour, 'UTC') END AS Bucket,
               sum(input_tokens)::bigint AS InputTokens,
               sum(output_tokens)::bigint AS OutputTokens,
               sum(requests)::bigint AS Requests,
               sum(billed_micros)::bigint AS BilledMicros,
               0::bigint AS Records
        FROM usage_corrections
        WHERE state = 'APPROVED' AND from_hour >= @WindowStart AND to_hour <= @WindowEnd
          AND (@Unit = 'total' OR date_trunc(@Unit, from_hour, 'UTC') = date_trunc(@Unit, to_hour - interval '1 hour', 'UTC'))
          AND (@AllHosts OR host_id = ANY(@Hosts))
          AND (@AllModels OR model = ANY(@Models))
          AND (NOT @HasAfter
               OR (CASE WHEN @Unit = 'total' THEN @QueryStart ELSE date_trunc(@Unit, from_hour, 'UTC') END) > @AfterBucket
               OR ((CASE WHEN @Unit = 'total' THEN @QueryStart ELSE date_trunc(@Unit, from_hour, 'UTC') END) = @AfterBucket
                   AND (CASE WHEN @ByHost THEN host_id ELSE '' END COLLATE "C", CASE WHEN @ByModel THEN model ELSE '' END COLLATE "C")
                       > (@AfterHost COLLATE "C", @AfterModel COLLATE "C")))
        GROUP BY 1, 2, 3
        """;

    private const string CommittedFlushesSql = "SELECT flush_id FROM usage_flushes WHERE flush_id = ANY(@FlushIds)";

    private const string LatestCutsSql = """
        SELECT host_id AS HostId, max(cut_stamp) AS CutStamp FROM usage_flushes
        WHERE @AllHosts OR host_id = ANY(@Hosts)
        GROUP BY host_id
        """;

    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;

    private UsageReadSession(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        _connection = connection;
        _transaction = transaction;
    }

    internal static async Task<UsageReadSession> BeginAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
            return new UsageReadSession(connection, transaction);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Which of <paramref name="flushIds"/> are committed: their snapshots count from PostgreSQL, not Redis.</summary>
    public async Task<HashSet<string>> CommittedFlushIdsAsync(IReadOnlyCollection<string> flushIds, CancellationToken cancellationToken)
    {
        var committed = new HashSet<string>(StringComparer.Ordinal);
        if (flushIds.Count > 0)
        {
            foreach (var id in await _connection.QueryAsync<string>(new CommandDefinition(CommittedFlushesSql, new { FlushIds = flushIds.ToArray() }, _transaction, cancellationToken: cancellationToken)))
            {
                committed.Add(id);
            }
        }

        return committed;
    }

    /// <summary>
    /// The query's grouped rows of the hours in [<paramref name="windowStartUtc"/>, <paramref name="windowEndUtc"/>)
    /// (whole buckets), only those ordered after <paramref name="after"/>: rows before a page are never read again.
    /// Counted usage, approved corrections or both, as the query's <see cref="UsageView"/> says.
    /// </summary>
    public async Task<List<(string HostKey, string ModelKey, DateTime? Bucket, UsageCounters Counters)>> WindowAsync(
        UsageQuery query, DateTime windowStartUtc, DateTime windowEndUtc, UsageRowKey? after, CancellationToken cancellationToken)
    {
        var parameters = new
        {
            ByHost = query.GroupByHost,
            ByModel = query.GroupByModel,
            Unit = Unit(query.Granularity),
            QueryStart = query.StartUtc,
            WindowStart = windowStartUtc,
            WindowEnd = windowEndUtc,
            AllHosts = query.Hosts is null,
            Hosts = query.Hosts?.ToArray() ?? [],
            AllModels = query.Models is null,
            Models = query.Models?.ToArray() ?? [],
            HasAfter = after is not null,
            AfterBucket = after?.BucketStart ?? query.StartUtc,
            AfterHost = after?.Host ?? string.Empty,
            AfterModel = after?.Model ?? string.Empty,
        };
        var rows = new List<UsageSqlRow>();
        if (query.View != UsageView.Corrections)
        {
            rows.AddRange(await _connection.QueryAsync<UsageSqlRow>(new CommandDefinition(WindowSql, parameters, _transaction, cancellationToken: cancellationToken)));
        }

        if (query.View != UsageView.Raw)
        {
            rows.AddRange(await _connection.QueryAsync<UsageSqlRow>(new CommandDefinition(CorrectionsSql, parameters, _transaction, cancellationToken: cancellationToken)));
        }

        return rows.Select(r => (r.HostKey, r.ModelKey, r.Bucket is { } b ? DateTime.SpecifyKind(b, DateTimeKind.Utc) : (DateTime?)null,
            new UsageCounters(r.InputTokens, r.OutputTokens, r.Requests, r.BilledMicros, r.Records))).ToList();
    }

    /// <summary>The latest committed cut stamp of each host (null: every host) in this snapshot.</summary>
    public async Task<Dictionary<string, long>> LatestCutsAsync(IReadOnlySet<string>? hosts, CancellationToken cancellationToken)
        => (await _connection.QueryAsync<(string HostId, long CutStamp)>(new CommandDefinition(LatestCutsSql, new { AllHosts = hosts is null, Hosts = hosts?.ToArray() ?? [] }, _transaction, cancellationToken: cancellationToken)))
            .ToDictionary(c => c.HostId, c => c.CutStamp, StringComparer.Ordinal);

    public async ValueTask DisposeAsync()
    {
        await _transaction.DisposeAsync();
        await _connection.DisposeAsync();
    }

    private static string Unit(UsageGranularity granularity) => granularity switch
    {
        UsageGranularity.Hour => "hour",
        UsageGranularity.Day => "day",
        UsageGranularity.Month => "month",
        _ => "total",
    };

    private sealed record UsageSqlRow(string HostKey, string ModelKey, DateTime? Bucket, long InputTokens, long OutputTokens, long Requests, long BilledMicros, long Records);
}
