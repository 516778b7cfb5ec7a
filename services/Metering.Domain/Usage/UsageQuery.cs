namespace Metering.Domain.Usage;

/// <summary>
/// A usage query: the half-open range [Start, End) of whole UTC hours, optional host and model filters (null: all),
/// the dimensions to group by, the bucket width and what is counted (<see cref="UsageView"/>).
/// </summary>
public sealed record UsageQuery(
    DateTime StartUtc,
    DateTime EndUtc,
    IReadOnlySet<string>? Hosts,
    IReadOnlySet<string>? Models,
    bool GroupByHost,
    bool GroupByModel,
    UsageGranularity Granularity,
    UsageView View = UsageView.Corrected)
{
    public long StartUnixSeconds => (long)(StartUtc - DateTime.UnixEpoch).TotalSeconds;

    public long EndUnixSeconds => (long)(EndUtc - DateTime.UnixEpoch).TotalSeconds;

    public bool Includes(string hostId, string model, long hourStartUnixSeconds)
        => hourStartUnixSeconds >= StartUnixSeconds && hourStartUnixSeconds < EndUnixSeconds
           && (Hosts is null || Hosts.Contains(hostId))
           && (Models is null || Models.Contains(model));

    /// <summary>The start of the bucket an hour falls in; null for <see cref="UsageGranularity.Total"/>.</summary>
    public DateTime? BucketOf(DateTime hourStartUtc) => Granularity switch
    {
        UsageGranularity.Hour => hourStartUtc,
        UsageGranularity.Day => hourStartUtc.Date,
        UsageGranularity.Month => new DateTime(hourStartUtc.Year, hourStartUtc.Month, 1, 0, 0, 0, DateTimeKind.Utc),
        _ => null,
    };
}
