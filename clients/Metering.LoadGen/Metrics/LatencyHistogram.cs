using System.Numerics;

namespace Metering.LoadGen.Metrics;

/// <summary>
/// An HDR-style log-linear histogram of latencies in microseconds: exact below 256 µs, then 128 sub-buckets per
/// power of two (relative error under 0.8%), up to about 2^40 µs. Recording is an index computation and an
/// increment, no allocation; one writer per instance, merged for reporting.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBuckets = 128;
    private const int LinearLimit = 2 * SubBuckets;
    private const int MaxShift = 33;

    private readonly long[] _counts = new long[LinearLimit + (MaxShift * SubBuckets)];
    private long _count;
    private long _max;

    public long Count => Volatile.Read(ref _count);

    public long MaxMicros => Volatile.Read(ref _max);

    public void Record(long micros)
    {
        if (micros < 0)
        {
            micros = 0;
        }

        _counts[IndexOf(micros)]++;
        Volatile.Write(ref _count, _count + 1);
        if (micros > _max)
        {
            Volatile.Write(ref _max, micros);
        }
    }

    /// <summary>Adds <paramref name="other"/>'s counts to this one (a reporting copy).</summary>
    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < _counts.Length; i++)
        {
            _counts[i] += Volatile.Read(ref other._counts[i]);
        }

        _count += other.Count;
        _max = Math.Max(_max, other.MaxMicros);
    }

    /// <summary>The smallest recorded value such that <paramref name="percentile"/>% of values are at or below it (µs; the bucket's upper edge).</summary>
    public long PercentileMicros(double percentile)
    {
        long total = 0;
        foreach (var c in _counts)
        {
            total += c;
        }

        if (total == 0)
        {
            return 0;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(percentile / 100.0 * total));
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                return Math.Min(UpperEdge(i), _max);
            }
        }

        return _max;
    }

    private static int IndexOf(long micros)
    {
        if (micros < LinearLimit)
        {
            return (int)micros;
        }

        // shift >= 1 puts (micros >> shift) in [128, 256).
        var shift = Math.Min(63 - BitOperations.LeadingZeroCount((ulong)micros) - 7, MaxShift);
        var sub = Math.Min((int)(micros >> shift), LinearLimit - 1) - SubBuckets;
        return LinearLimit + ((shift - 1) * SubBuckets) + sub;
    }

    private static long UpperEdge(int index)
    {
        if (index < LinearLimit)
        {
            return index;
        }

        var shift = ((index - LinearLimit) / SubBuckets) + 1;
        var sub = ((index - LinearLimit) % SubBuckets) + SubBuckets;
        return ((long)(sub + 1) << shift) - 1;
    }
}
