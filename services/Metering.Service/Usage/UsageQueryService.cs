using Metering.Domain.Usage;
using Metering.Persistence;

namespace Metering.Service.Usage;

/// <summary>
/// Answers usage queries exactly at any moment (design §5): first Redis (live counters and flush snapshots, one
/// atomic read per host), then PostgreSQL in one repeatable-read transaction that also says which of the seen
/// snapshots are already committed. A committed snapshot is taken from PostgreSQL, an uncommitted one from
/// Redis; a snapshot deleted before the Redis read was committed before it, so PostgreSQL has it.
/// </summary>
internal sealed class UsageQueryService
{
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
        var fromRedis = await Task.WhenAll(hosts.Select(host => _redis.ReadAsync(host, query)));

        var snapshotIds = fromRedis.SelectMany(h => h.Snapshots.Select(s => s.FlushId)).ToList();
        var (rows, committed) = await _usage.QueryAsync(query, snapshotIds, cancellationToken);

        var aggregation = new UsageAggregation(query);
        foreach (var row in rows)
        {
            aggregation.AddGrouped(row.HostKey, row.ModelKey, row.Bucket, row.Counters);
        }

        foreach (var host in fromRedis)
        {
            foreach (var (bucket, counters) in host.Live)
            {
                aggregation.AddHour(host.HostId, bucket.Model, bucket.HourStartUnixSeconds, counters);
            }

            foreach (var (flushId, buckets) in host.Snapshots)
            {
                if (committed.Contains(flushId))
                {
                    continue;
                }

                foreach (var (bucket, counters) in buckets)
                {
                    aggregation.AddHour(host.HostId, bucket.Model, bucket.HourStartUnixSeconds, counters);
                }
            }
        }

        return aggregation.ToRows();
    }
}
