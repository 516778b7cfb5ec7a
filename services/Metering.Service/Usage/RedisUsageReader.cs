using System.Globalization;
using Metering.Domain.Usage;
using Metering.Service.Redis;
using StackExchange.Redis;

namespace Metering.Service.Usage;

/// <summary>
/// Reads what Redis still holds of one host — the live hash and flush snapshots not yet deleted — in one atomic Lua
/// step, so counters being cut into a snapshot are seen in exactly one of the two. The query's filters apply later,
/// in <see cref="UsageAggregation"/>: the live hash only holds what arrived since the last flush.
/// </summary>
internal sealed class RedisUsageReader
{
    /// <summary>KEYS[1] live hash, [2] snapshot id set; ARGV[1] prefix. Returns { live, snapshots, TIME in µs as a string }.</summary>
    private const string ReadScript = """
        local now = redis.call('TIME')
        local snapshots = {}
        for _, id in ipairs(redis.call('SMEMBERS', KEYS[2])) do
          snapshots[#snapshots + 1] = id
          snapshots[#snapshots + 1] = redis.call('HGETALL', ARGV[1] .. 's:' .. id)
        end
        return { redis.call('HGETALL', KEYS[1]), snapshots, now[1] .. string.format('%06d', tonumber(now[2])) }
        """;

    private readonly RedisConnection _redis;

    public RedisUsageReader(RedisConnection redis) => _redis = redis;

    public async Task<HostRedisUsage> ReadAsync(string hostId)
    {
        var database = await _redis.GetDatabaseAsync();
        var keys = _redis.Keys.For(hostId);
        var result = (RedisResult[])(await database.ScriptEvaluateAsync(ReadScript, [keys.Live, keys.Snapshots], [keys.PrefixValue]))!;
        var live = LiveHash.Parse((RedisResult[])result[0]!);
        var snapshots = new List<(string FlushId, List<LiveBucket> Buckets)>();
        var snapshotItems = (RedisResult[])result[1]!;
        for (var i = 0; i + 1 < snapshotItems.Length; i += 2)
        {
            snapshots.Add(((string)snapshotItems[i]!, LiveHash.Parse((RedisResult[])snapshotItems[i + 1]!)));
        }

        var readStamp = long.Parse((string)result[2]!, CultureInfo.InvariantCulture);
        return new HostRedisUsage(hostId, live, snapshots, readStamp);
    }
}
