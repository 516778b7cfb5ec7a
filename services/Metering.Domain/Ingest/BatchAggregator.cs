using Metering.Domain.Usage;

namespace Metering.Domain.Ingest;

/// <summary>
/// Sums the records of one batch per (model, UTC hour) bucket, so Redis sees one increment per bucket rather than one
/// per record. A batch usually names a handful of buckets, so up to <see cref="LinearLimit"/> of them are searched
/// linearly (hour first, then the model: the same string instance for the names read from request bytes, else
/// compared by value), which costs less per record than hashing the model; a batch with more buckets gets a
/// dictionary index, so a batch of thousands of distinct models costs no more than before.
/// </summary>
public sealed class BatchAggregator
{
    /// <summary>Buckets searched linearly before the dictionary index is built: 16.</summary>
    public const int LinearLimit = 16;

    private HourBucket[] _buckets = new HourBucket[8];
    private UsageCounters[] _counters = new UsageCounters[8];
    private Dictionary<HourBucket, int>? _index;
    private int _count;

    public int BucketCount => _count;

    public long RecordCount { get; private set; }

    public void Add(string model, long eventTimeUnixSeconds, long inputTokens, long outputTokens, long requests, long billedMicros)
    {
        ref var counters = ref Find(HourBucket.HourOf(eventTimeUnixSeconds), model);
        counters.InputTokens += inputTokens;
        counters.OutputTokens += outputTokens;
        counters.Requests += requests;
        counters.BilledMicros += billedMicros;
        counters.Records++;
        RecordCount++;
    }

    public BucketDelta[] ToDeltas()
    {
        var result = new BucketDelta[_count];
        for (var i = 0; i < _count; i++)
        {
            result[i] = new BucketDelta(_buckets[i], _counters[i]);
        }

        return result;
    }

    public void Clear()
    {
        Array.Clear(_buckets, 0, _count);
        Array.Clear(_counters, 0, _count);
        _index = null;
        _count = 0;
        RecordCount = 0;
    }

    private ref UsageCounters Find(long hour, string model)
    {
        if (_index is not null)
        {
            var key = new HourBucket(hour, model);
            if (_index.TryGetValue(key, out var found))
            {
                return ref _counters[found];
            }

            _index[key] = _count;
            return ref Append(key);
        }

        for (var i = 0; i < _count; i++)
        {
            ref readonly var bucket = ref _buckets[i];
            if (bucket.HourStartUnixSeconds == hour && (ReferenceEquals(bucket.Model, model) || string.Equals(bucket.Model, model, StringComparison.Ordinal)))
            {
                return ref _counters[i];
            }
        }

        if (_count == LinearLimit)
        {
            _index = new Dictionary<HourBucket, int>(LinearLimit * 4);
            for (var i = 0; i < _count; i++)
            {
                _index[_buckets[i]] = i;
            }

            _index[new HourBucket(hour, model)] = _count;
        }

        return ref Append(new HourBucket(hour, model));
    }

    private ref UsageCounters Append(HourBucket bucket)
    {
        if (_count == _buckets.Length)
        {
            Array.Resize(ref _buckets, _count * 2);
            Array.Resize(ref _counters, _count * 2);
        }

        _buckets[_count] = bucket;
        return ref _counters[_count++];
    }
}
