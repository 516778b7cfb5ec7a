using System.Runtime.InteropServices;

namespace Metering.Domain.Usage;

/// <summary>
/// Merges usage from every source (PostgreSQL rows already grouped, Redis hours) into the rows of one query,
/// in a stable order: bucket, host, model.
/// </summary>
public sealed class UsageAggregation
{
    private readonly UsageQuery _query;
    private readonly Dictionary<(string Host, string Model, DateTime? Bucket), UsageCounters> _rows = [];

    public UsageAggregation(UsageQuery query) => _query = query;

    /// <summary>Adds one hour of one host and model, if the query covers it.</summary>
    public void AddHour(string hostId, string model, long hourStartUnixSeconds, in UsageCounters counters)
    {
        if (!_query.Includes(hostId, model, hourStartUnixSeconds))
        {
            return;
        }

        var bucket = _query.BucketOf(DateTime.UnixEpoch.AddSeconds(hourStartUnixSeconds));
        AddGrouped(_query.GroupByHost ? hostId : string.Empty, _query.GroupByModel ? model : string.Empty, bucket, counters);
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
