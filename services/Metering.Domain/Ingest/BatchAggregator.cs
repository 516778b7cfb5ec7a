using System.Runtime.InteropServices;
using Metering.Domain.Usage;

namespace Metering.Domain.Ingest;

/// <summary>
/// Sums the records of one batch per (model, UTC hour) bucket, so Redis sees one increment per bucket rather
/// than one per record. Reusable: <see cref="Clear"/> between batches.
/// </summary>
public sealed class BatchAggregator
{
    private readonly Dictionary<HourBucket, UsageCounters> _buckets = [];

    public int BucketCount => _buckets.Count;

    public long RecordCount { get; private set; }

    public void Add(string model, long eventTimeUnixSeconds, long inputTokens, long outputTokens, long requests, long billedMicros)
    {
        ref var counters = ref CollectionsMarshal.GetValueRefOrAddDefault(_buckets, new HourBucket(HourBucket.HourOf(eventTimeUnixSeconds), model), out _);
        counters.InputTokens += inputTokens;
        counters.OutputTokens += outputTokens;
        counters.Requests += requests;
        counters.BilledMicros += billedMicros;
        counters.Records++;
        RecordCount++;
    }

    public BucketDelta[] ToDeltas()
    {
        var result = new BucketDelta[_buckets.Count];
        var i = 0;
        foreach (var (bucket, counters) in _buckets)
        {
            result[i++] = new BucketDelta(bucket, counters);
        }

        return result;
    }

    public void Clear()
    {
        _buckets.Clear();
        RecordCount = 0;
    }
}
