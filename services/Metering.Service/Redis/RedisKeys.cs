using System.Collections.Concurrent;
using StackExchange.Redis;

namespace Metering.Service.Redis;

/// <summary>
/// Key names. Every key of a host carries the hash tag {host} so a host's keys share one cluster slot and one
/// Lua step may touch them all:
/// <list type="bullet">
/// <item><c>m:{h}:c:&lt;hour&gt;:&lt;model&gt;</c> live counters (hash: i, o, r, b, n)</item>
/// <item><c>m:{h}:t:&lt;hour&gt;:&lt;model&gt;</c> everything a bucket ever received (hash: i, o, r, b, n), for the
/// overflow limit; never flushed, expires after the bucket can take no more usage</item>
/// <item><c>m:{h}:dirty</c> set of live buckets "&lt;hour&gt;:&lt;model&gt;"</item>
/// <item><c>m:{h}:p:&lt;producer&gt;</c> last applied sequence of a producer</item>
/// <item><c>m:{h}:i:&lt;key&gt;</c> hash of the records accepted under an idempotency key</item>
/// <item><c>m:{h}:s:&lt;flush id&gt;</c> a flush snapshot (hash: "&lt;bucket&gt;|&lt;field&gt;"), listed in <c>m:{h}:snaps</c></item>
/// </list>
/// </summary>
public sealed class RedisKeys
{
    private readonly string _prefix;
    private readonly ConcurrentDictionary<string, HostKeys> _hosts = new(StringComparer.Ordinal);

    public RedisKeys(string prefix) => _prefix = prefix;

    public HostKeys For(string hostId) => _hosts.GetOrAdd(hostId, static (h, prefix) => new HostKeys(prefix + ":{" + h + "}:"), _prefix);

    /// <summary>The pre-encoded keys of one host.</summary>
    public sealed class HostKeys
    {
        public HostKeys(string prefix)
        {
            Prefix = prefix;
            PrefixValue = prefix;
            Dirty = prefix + "dirty";
            Snapshots = prefix + "snaps";
        }

        public string Prefix { get; }

        public RedisValue PrefixValue { get; }

        public RedisKey Dirty { get; }

        public RedisKey Snapshots { get; }
    }
}
