using Metering.Domain.Usage;
using Metering.Persistence;

namespace Metering.Service.Usage;

/// <summary>
/// Answers usage queries exactly at any moment (docs/architecture.md, "Queries"), one page at a time. First Redis: live
/// counters and flush snapshots, one atomic read per host, stamped with Redis TIME. Then PostgreSQL, in one
/// repeatable-read transaction that also says which of the seen snapshots are committed and when each host's latest
/// committed cut happened. A committed snapshot is taken from PostgreSQL, an uncommitted one from Redis; a snapshot
/// deleted before the Redis read was committed before it, so PostgreSQL has it. A cut made after the Redis read and
/// committed before the PostgreSQL read would be counted twice (live in Redis, and in PostgreSQL): that is detected by
/// its stamp and the page is read again — rare, as a host is cut once per flush interval.
/// <para>
/// A page (keyset paging) starts after the key of the previous page's last row and reads PostgreSQL in windows of
/// whole buckets from there (<see cref="UsageWindows"/>), never the rows before it, so every page costs about the same,
/// whatever its number. It reads one row more than it returns, to know whether rows follow.
/// </para>
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

    /// <summary>The rows ordered after <paramref name="after"/> (null: from the first row), at most <paramref name="limit"/>.</summary>
    public async Task<UsagePage> QueryPageAsync(UsageQuery query, UsageRowKey? after, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var hosts = query.Hosts ?? (IReadOnlyCollection<string>)await _hosts.ListIdsAsync(cancellationToken);
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            if (await TryQueryPageAsync(query, hosts, after, limit, cancellationToken) is { } page)
            {
                return page;
            }
        }

        throw new StoreUnavailableException("Usage kept moving to PostgreSQL during the query; retry.");
    }

    private async Task<UsagePage?> TryQueryPageAsync(UsageQuery query, IReadOnlyCollection<string> hosts, UsageRowKey? after, int limit, CancellationToken cancellationToken)
    {
        var fromRedis = await Task.WhenAll(hosts.Select(_redis.ReadAsync));
        var snapshotIds = fromRedis.SelectMany(h => h.Snapshots.Select(s => s.FlushId)).ToList();
        await using var read = await _usage.BeginReadAsync(cancellationToken);
        var committed = await read.CommittedFlushIdsAsync(snapshotIds, cancellationToken);

        var rows = new List<UsageRowResult>(Math.Min(limit + 1, 1024));
        var start = UsageWindows.FirstStart(query, after);
        var buckets = 1;
        while (rows.Count <= limit && start < query.EndUtc)
        {
            var end = UsageWindows.End(query, start, buckets);
            var window = new UsageAggregation(query, start, end, after);
            foreach (var row in await read.WindowAsync(query, start, end, after, cancellationToken))
            {
                window.AddGrouped(row.HostKey, row.ModelKey, row.Bucket, row.Counters);
            }

            if (query.View != UsageView.Corrections)
            {
                AddRedis(window, fromRedis, committed);
            }

            var found = window.ToRows();
            rows.AddRange(found.Take(limit + 1 - rows.Count));
            buckets = UsageWindows.Next(buckets, found.Count, limit + 1 - rows.Count);
            start = end;
        }

        var latestCuts = await read.LatestCutsAsync(query.Hosts, cancellationToken);
        foreach (var host in fromRedis)
        {
            if (latestCuts.TryGetValue(host.HostId, out var latest) && latest > host.ReadStamp)
            {
                return null;
            }
        }

        var hasMore = rows.Count > limit;
        if (hasMore)
        {
            rows.RemoveAt(limit);
        }

        return new UsagePage(rows, hasMore);
    }

    private static void AddRedis(UsageAggregation window, HostRedisUsage[] fromRedis, HashSet<string> committed)
    {
        foreach (var host in fromRedis)
        {
            foreach (var (bucket, counters, _) in host.Live)
            {
                window.AddHour(host.HostId, bucket.Model, bucket.HourStartUnixSeconds, counters);
            }

            foreach (var (flushId, buckets) in host.Snapshots)
            {
                if (committed.Contains(flushId))
                {
                    continue;
                }

                foreach (var (bucket, counters, _) in buckets)
                {
                    window.AddHour(host.HostId, bucket.Model, bucket.HourStartUnixSeconds, counters);
                }
            }
        }
    }
}
