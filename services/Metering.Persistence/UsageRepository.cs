using System.Data;
using Dapper;
using Metering.Domain.Usage;
using Npgsql;

namespace Metering.Persistence;

/// <summary>Usage in PostgreSQL: the hourly table the flusher writes and the grouped reads of usage queries.</summary>
public sealed class UsageRepository
{
    private const string QuerySql = """
        SELECT CASE WHEN @ByHost THEN host_id ELSE '' END AS HostKey,
               CASE WHEN @ByModel THEN model ELSE '' END AS ModelKey,
               CASE WHEN @Unit = 'total' THEN NULL ELSE date_trunc(@Unit, hour, 'UTC') END AS Bucket,
               sum(input_tokens)::bigint AS InputTokens,
               sum(output_tokens)::bigint AS OutputTokens,
               sum(requests)::bigint AS Requests,
               sum(billed_micros)::bigint AS BilledMicros,
               sum(records)::bigint AS Records
        FROM usage_hourly
        WHERE hour >= @Start AND hour < @End
          AND (@AllHosts OR host_id = ANY(@Hosts))
          AND (@AllModels OR model = ANY(@Models))
        GROUP BY 1, 2, 3
        """;

    private const string CommittedFlushesSql = "SELECT flush_id FROM usage_flushes WHERE flush_id = ANY(@FlushIds)";

    private const string LatestCutsSql = """
        SELECT host_id AS HostId, max(cut_stamp) AS CutStamp FROM usage_flushes
        WHERE @AllHosts OR host_id = ANY(@Hosts)
        GROUP BY host_id
        """;

    private readonly NpgsqlDataSource _dataSource;

    public UsageRepository(NpgsqlDataSource dataSource) => _dataSource = dataSource;

    /// <summary>
    /// Reads, in one repeatable-read transaction, the query's grouped rows, which of <paramref name="snapshotFlushIds"/>
    /// are already committed, and the latest committed cut stamp of each host: a snapshot is counted from
    /// PostgreSQL or from Redis, never both, never neither; a cut later than the Redis read tells the caller to read
    /// again.
    /// </summary>
    public async Task<(List<(string HostKey, string ModelKey, DateTime? Bucket, UsageCounters Counters)> Rows, HashSet<string> CommittedFlushIds, Dictionary<string, long> LatestCuts)> QueryAsync(
        UsageQuery query, IReadOnlyCollection<string> snapshotFlushIds, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        var committed = new HashSet<string>(StringComparer.Ordinal);
        if (snapshotFlushIds.Count > 0)
        {
            foreach (var id in await connection.QueryAsync<string>(new CommandDefinition(CommittedFlushesSql, new { FlushIds = snapshotFlushIds.ToArray() }, transaction, cancellationToken: cancellationToken)))
            {
                committed.Add(id);
            }
        }

        var parameters = new
        {
            ByHost = query.GroupByHost,
            ByModel = query.GroupByModel,
            Unit = query.Granularity switch
            {
                UsageGranularity.Hour => "hour",
                UsageGranularity.Day => "day",
                UsageGranularity.Month => "month",
                _ => "total",
            },
            Start = query.StartUtc,
            End = query.EndUtc,
            AllHosts = query.Hosts is null,
            Hosts = query.Hosts?.ToArray() ?? [],
            AllModels = query.Models is null,
            Models = query.Models?.ToArray() ?? [],
        };
        var rows = await connection.QueryAsync<UsageSqlRow>(new CommandDefinition(QuerySql, parameters, transaction, cancellationToken: cancellationToken));
        var latestCuts = (await connection.QueryAsync<(string HostId, long CutStamp)>(new CommandDefinition(LatestCutsSql, new { parameters.AllHosts, parameters.Hosts }, transaction, cancellationToken: cancellationToken)))
            .ToDictionary(c => c.HostId, c => c.CutStamp, StringComparer.Ordinal);
        await transaction.CommitAsync(cancellationToken);
        return (rows.Select(r => (r.HostKey, r.ModelKey, r.Bucket is { } b ? DateTime.SpecifyKind(b, DateTimeKind.Utc) : (DateTime?)null,
            new UsageCounters(r.InputTokens, r.OutputTokens, r.Requests, r.BilledMicros, r.Records))).ToList(), committed, latestCuts);
    }

    private sealed record UsageSqlRow(string HostKey, string ModelKey, DateTime? Bucket, long InputTokens, long OutputTokens, long Requests, long BilledMicros, long Records);
}
