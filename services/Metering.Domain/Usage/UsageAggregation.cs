using System.Runtime.InteropServices;

namespace Metering.Domain.Usage;

/// <summary>
/// Merges usage from every source (PostgreSQL rows already grouped, Redis hours) into the rows of one query, or of one
/// time window of it (whole buckets) past a page's start key, in a stable order: bucket, host, model.
/// </summary>
public sealed class UsageAggregation
{
    private readonly UsageQuery _query;
    private readonly long _windowStart;
    private readonly long _windowEnd;
    private readonly UsageRowKey? _after;
    private readonly Dictionary<(string Host, string Model, DateTime? Bucket), UsageCounters> _rows = [];

    public UsageAggregation(UsageQuery query)
        : this(query, query.StartUtc, query.EndUtc, after: null)
    {
    }

    /// <summary>Rows of the hours in [<paramref name="windowStartUtc"/>, <paramref name="windowEndUtc"/>) ordered after <paramref name="after"/>.</summary>
    public UsageAggregation(UsageQuery query, DateTime windowStartUtc, DateTime windowEndUtc, UsageRowKey? after)
    {
        _query = query;
        _windowStart = (long)(windowStartUtc - DateTime.UnixEpoch).TotalSeconds;
        _windowEnd = (long)(windowEndUtc - DateTime.UnixEpoch).TotalSeconds;
        _after = after;
    }

    /// <summary>Adds one hour of one host and model, if the query (and the window) covers it.</summary>
    public void AddHour(string hostId, string model, long hourStartUnixSeconds, in UsageCounters counters)
    {
        if (!_query.Includes(hostId, model, hourStartUnixSeconds) || hourStartUnixSeconds < _windowStart || hourStartUnixSeconds >= _windowEnd)
        {
            return;
        }

        var bucket = _query.BucketOf(DateTime.UnixEpoch.AddSeconds(hourStartUnixSeconds));
        var host = _query.GroupByHost ? hostId : string.Empty;
        var modelKey = _query.GroupByModel ? model : string.Empty;
        if (_after is { } after && new UsageRowKey(bucket, host, modelKey) <= after)
        {
            return;
        }

        AddGrouped(host, modelKey, bucket, counters);
    }

    /// <summary>Adds a row already filtered and grouped the query's way (from SQL).</summary>
    public void AddGrouped(string hostKey, string modelKey, DateTime? bucketStart, in UsageCounters counters)
    {
        ref var row = ref CollectionsMarshal.GetValueRefOrAddDefault(_rows, (hostKey, modelKey, bucketStart), out _);
        row.Add(counters);
    }

    public List<UsageRowResult> ToRows()
    {
        return _rows
            .Where(r => !r.Value.IsZero)
            .Select(r => new UsageRowResult(r.Key.Host, r.Key.Model, r.Key.Bucket, r.Value))
            .OrderBy(r => r.BucketStart ?? DateTime.MinValue)
            .ThenBy(r => r.HostId, StringComparer.Ordinal)
            .ThenBy(r => r.Model, StringComparer.Ordinal)
            .ToList();
    }
}
