using Metering.Domain.Usage;

namespace Metering.Service.Usage;

/// <summary>
/// What Redis holds of one host at one instant (<see cref="ReadStamp"/>, Redis TIME in µs): live buckets and the
/// snapshots of flushes in progress.
/// </summary>
internal sealed record HostRedisUsage(
    string HostId,
    List<(HourBucket Bucket, UsageCounters Counters)> Live,
    List<(string FlushId, List<(HourBucket Bucket, UsageCounters Counters)> Buckets)> Snapshots,
    long ReadStamp);
