using System.Collections.Concurrent;
using StackExchange.Redis;

namespace Metering.Service.Redis;

/// <summary>
/// Key names. Every key of a host carries the hash tag {host} so a host's keys share one cluster slot and one
/// Lua step may touch them all:
/// <list type="bullet">
/// <item><c>m:{h}:live</c> live counters of every bucket of the host (hash: "&lt;hour&gt;:&lt;model&gt;|&lt;f&gt;" with f one
/// of i, o, r, b, n, and N for the records of the bucket's first usage ever when that arrived since the last cut); a
/// flush cut renames it to a snapshot, so the cut costs the same for one bucket or a million</item>
/// <item><c>m:{h}:sum:&lt;hour&gt;:&lt;model&gt;</c> the sum of all counters a bucket ever received, for the overflow limit;
/// never flushed, expires after the bucket can take no more usage</item>
/// <item><c>m:{h}:p:&lt;producer&gt;</c> last applied sequence of a producer and that batch's receipt (the chain head):
/// "&lt;sequence&gt;|&lt;result&gt;|&lt;H(request)&gt;|&lt;chain&gt;"</item>
/// <item><c>m:{h}:i:&lt;key&gt;</c> hash of the records accepted under an idempotency key and the hash of that request
/// (its receipt): "&lt;records hash&gt;|&lt;H(request)&gt;"</item>
/// <item><c>m:{h}:s:&lt;flush id&gt;</c> a flush snapshot: a live hash as it was cut; its ids are listed in <c>m:{h}:snaps</c></item>
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
            Live = prefix + "live";
            Snapshots = prefix + "snaps";
        }

        public string Prefix { get; }

        public RedisValue PrefixValue { get; }

        public RedisKey Live { get; }

        public RedisKey Snapshots { get; }

        /// <summary>The state key of a producer (what the Lua step names <c>prefix .. 'p:' .. id</c>).</summary>
        public RedisKey Producer(string producerId) => Prefix + "p:" + producerId;
    }
}
