using Metering.Domain.Usage;
using Metering.Persistence;

namespace Metering.Service.Usage;

/// <summary>
/// Answers usage queries exactly at any moment (docs/architecture.md, "Queries"). First Redis: live counters and flush
/// snapshots, one atomic read per host, stamped with Redis TIME. Then PostgreSQL, in one repeatable-read transaction
/// that also says which of the seen snapshots are committed and when each host's latest committed cut happened. A
/// committed snapshot is taken from PostgreSQL, an uncommitted one from Redis; a snapshot deleted before the Redis read
/// was committed before it, so PostgreSQL has it. A cut made after the Redis read and committed before the PostgreSQL
/// read would be counted twice (live in Redis, and in PostgreSQL): that is detected by its stamp and the query reads
/// again — rare, as a host is cut once per flush interval.
/// </summary>
internal sealed class UsageQueryService
{
    private const int MaxAttempts = 5;

    private readonly RedisUsageReader _redis;
    private readonly UsageRepository _usage;
    private readonly HostRepository _hosts;

    public UsageQueryService(RedisUsageReader redis, UsageRepository usage, HostRepository hosts)
    {
        _redis = redis;
        _usage = usage;
        _hosts = hosts;
    }

    public async Task<List<UsageRowResult>> QueryAsync(UsageQuery query, CancellationToken cancellationToken)
    {
        var hosts = query.Hosts ?? (IReadOnlyCollection<string>)await _hosts.ListIdsAsync(cancellationToken);
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            if (await TryQueryAsync(query, hosts, cancellationToken) is { } rows)
            {
                return rows;
            }
        }

        throw new StoreUnavailableException("Usage kept moving to PostgreSQL during the query; retry.");
    }

    private async Task<List<UsageRowResult>?> TryQueryAsync(UsageQuery query, IReadOnlyCollection<string> hosts, CancellationToken cancellationToken)
    {
        var fromRedis = await Task.WhenAll(hosts.Select(_redis.ReadAsync));
        var snapshotIds = fromRedis.SelectMany(h => h.Snapshots.Select(s => s.FlushId)).ToList();
        var (rows, committed, latestCuts) = await _usage.QueryAsync(query, snapshotIds, cancellationToken);
        foreach (var host in fromRedis)
        {
            if (latestCuts.TryGetValue(host.HostId, out var latest) && latest > host.ReadStamp)
            {
                return null;
            }
        }

        var aggregation = new UsageAggregation(query);
        foreach (var row in rows)
        {
            aggregation.AddGrouped(row.HostKey, row.ModelKey, row.Bucket, row.Counters);
        }

        foreach (var host in fromRedis)
        {
            foreach (var (bucket, counters, _) in host.Live)
            {
                aggregation.AddHour(host.HostId, bucket.Model, bucket.HourStartUnixSeconds, counters);
            }

            foreach (var (flushId, buckets) in host.Snapshots)
            {
                if (committed.Contains(flushId))
                {
                    continue;
                }

                foreach (var (bucket, counters, _) in buckets)
                {
                    aggregation.AddHour(host.HostId, bucket.Model, bucket.HourStartUnixSeconds, counters);
                }
            }
        }

        return aggregation.ToRows();
    }
}
