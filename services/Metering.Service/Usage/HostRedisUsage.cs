using Metering.Domain.Usage;

namespace Metering.Service.Usage;

/// <summary>
/// What Redis holds of one host at one instant (<see cref="ReadStamp"/>, Redis TIME in µs): live buckets and the
/// snapshots of flushes in progress.
/// </summary>
internal sealed record HostRedisUsage(
    string HostId,
    List<LiveBucket> Live,
    List<(string FlushId, List<LiveBucket> Buckets)> Snapshots,
    long ReadStamp);
