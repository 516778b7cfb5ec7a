using Metering.Domain.Usage;

namespace Metering.Service.Usage;

/// <summary>
/// One bucket of a live hash or snapshot: its counters, and whether its first usage ever arrived since the last cut
/// (then PostgreSQL has no row for it yet). Fields, so parsing adds to the counters in place.
/// </summary>
internal struct LiveBucket
{
    public HourBucket Bucket;
    public UsageCounters Counters;
    public bool FirstUsage;

    public readonly void Deconstruct(out HourBucket bucket, out UsageCounters counters, out bool firstUsage)
    {
        bucket = Bucket;
        counters = Counters;
        firstUsage = FirstUsage;
    }
}
