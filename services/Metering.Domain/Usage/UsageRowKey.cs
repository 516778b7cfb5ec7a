namespace Metering.Domain.Usage;

/// <summary>
/// The position of a usage row in the order of a query's answer: bucket start (none for totals), then host, then model,
/// the two names compared ordinally (they are ASCII, so this is also PostgreSQL's "C" collation order). A page of a
/// query starts after the key of the previous page's last row.
/// </summary>
public readonly record struct UsageRowKey(DateTime? BucketStart, string Host, string Model) : IComparable<UsageRowKey>
{
    public static UsageRowKey Of(UsageRowResult row) => new(row.BucketStart, row.HostId, row.Model);

    public int CompareTo(UsageRowKey other)
    {
        var bucket = Nullable.Compare(BucketStart, other.BucketStart);
        if (bucket != 0)
        {
            return bucket;
        }

        var host = string.CompareOrdinal(Host, other.Host);
        return host != 0 ? host : string.CompareOrdinal(Model, other.Model);
    }

    public static bool operator <(UsageRowKey left, UsageRowKey right) => left.CompareTo(right) < 0;

    public static bool operator >(UsageRowKey left, UsageRowKey right) => left.CompareTo(right) > 0;

    public static bool operator <=(UsageRowKey left, UsageRowKey right) => left.CompareTo(right) <= 0;

    public static bool operator >=(UsageRowKey left, UsageRowKey right) => left.CompareTo(right) >= 0;
}
