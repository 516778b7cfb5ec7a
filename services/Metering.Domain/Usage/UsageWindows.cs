namespace Metering.Domain.Usage;

/// <summary>
/// The time windows a page of a usage query reads, each a whole number of buckets: a page starts at the bucket of the
/// previous page's last row and reads forward until it has its rows. The first window is one bucket; each next one is
/// sized from the rows per bucket seen so far, so a page of n rows reads about n rows, wherever it is in the range.
/// </summary>
public static class UsageWindows
{
    /// <summary>Most buckets one window may span: 4,096 (a window over empty hours grows fourfold each time).</summary>
    public const int MaxBuckets = 4096;

    /// <summary>Where the first window of a page starts: the query's start, or the bucket of the key the page follows.</summary>
    public static DateTime FirstStart(UsageQuery query, UsageRowKey? after)
        => after?.BucketStart is { } bucket && bucket > query.StartUtc ? bucket : query.StartUtc;

    /// <summary>The end of a window from <paramref name="startUtc"/> spanning <paramref name="buckets"/> buckets (never past the query's end).</summary>
    public static DateTime End(UsageQuery query, DateTime startUtc, int buckets)
    {
        if (query.Granularity == UsageGranularity.Total)
        {
            return query.EndUtc;
        }

        var bucket = query.BucketOf(startUtc)!.Value;
        var end = query.Granularity switch
        {
            UsageGranularity.Hour => bucket.AddHours(buckets),
            UsageGranularity.Day => bucket.AddDays(buckets),
            _ => bucket.AddMonths(buckets),
        };
        return end < query.EndUtc ? end : query.EndUtc;
    }

    /// <summary>
    /// Buckets for the next window: enough, at the rows per bucket of the last window, for the rows still
    /// <paramref name="wanted"/>; four times as many after an empty window. Between 1 and <see cref="MaxBuckets"/>.
    /// </summary>
    public static int Next(int lastBuckets, int lastRows, int wanted)
    {
        long next = lastRows == 0 ? lastBuckets * 4L : (long)Math.Ceiling(wanted * (double)lastBuckets / lastRows);
        return (int)Math.Clamp(next, 1, MaxBuckets);
    }
}
