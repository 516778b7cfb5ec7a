using Metering.Persistence;
using Metering.Service.Redis;
using Metering.Service.Usage;
using StackExchange.Redis;

namespace Metering.Service.Flush;

/// <summary>
/// The Redis side of a flush: moves a host's live hash into a snapshot under a new flush id (atomically, by
/// RENAME, whatever its size), lists and reads snapshots left behind, and deletes a snapshot once PostgreSQL has it.
/// </summary>
internal sealed class RedisSnapshotStore
{
    /// <summary>
    /// KEYS[1] live hash, [2] snapshot id set; ARGV[1] prefix, [2] unique part of the flush id. The flush id is
    /// "&lt;TIME in µs&gt;-&lt;unique part&gt;". Returns the flush id, or nil when nothing was live. Nothing writes a snapshot
    /// after its cut, so it is read afterwards with a plain HGETALL, which costs Redis (single-threaded, shared with
    /// ingest) the least.
    /// </summary>
    private const string CutScript = """
        if redis.call('EXISTS', KEYS[1]) == 0 then return nil end
        local now = redis.call('TIME')
        local id = now[1] .. string.format('%06d', tonumber(now[2])) .. '-' .. ARGV[2]
        local snapshot = ARGV[1] .. 's:' .. id
        redis.call('RENAME', KEYS[1], snapshot)
        redis.call('SADD', KEYS[2], id)
        return id
        """;

    /// <summary>KEYS[1] snapshot id set; ARGV[1] prefix, [2] flush id. UNLINK frees a large snapshot off the main thread.</summary>
    private const string DeleteScript = """
        redis.call('UNLINK', ARGV[1] .. 's:' .. ARGV[2])
        redis.call('SREM', KEYS[1], ARGV[2])
        return 1
        """;

    private readonly RedisConnection _redis;

    /// <summary>
    /// KEYS[1] live hash, [2] snapshot id set; ARGV[1] prefix. The oldest "|t0" (first write since a cut, Redis TIME in
    /// µs, as a string) of the live hash and of every snapshot still listed; nil when Redis holds nothing of the host.
    /// </summary>
    private const string OldestScript = """
        local oldest = redis.call('HGET', KEYS[1], '|t0')
        for _, id in ipairs(redis.call('SMEMBERS', KEYS[2])) do
          local t = redis.call('HGET', ARGV[1] .. 's:' .. id, '|t0')
          if t and (not oldest or tonumber(t) < tonumber(oldest)) then oldest = t end
        end
        return oldest
        """;

    public RedisSnapshotStore(RedisConnection redis) => _redis = redis;

    /// <summary>When the oldest usage of the host still only in Redis (live or in a snapshot) arrived; null for none.</summary>
    public async Task<DateTimeOffset?> OldestUnflushedAsync(string hostId)
    {
        var database = await _redis.GetDatabaseAsync();
        var keys = _redis.Keys.For(hostId);
        var answer = await database.ScriptEvaluateAsync(OldestScript, [keys.Live, keys.Snapshots], [keys.PrefixValue]);
        return answer.IsNull ? null : DateTimeOffset.FromUnixTimeMilliseconds(long.Parse((string)answer!, System.Globalization.CultureInfo.InvariantCulture) / 1000);
    }

    /// <summary>
    /// Cuts the host's live counters into a snapshot whose flush id ends in <paramref name="uniquePart"/>; null when
    /// nothing was live.
    /// </summary>
    public async Task<UsageFlushSnapshot?> CutAsync(string hostId, string uniquePart)
    {
        var database = await _redis.GetDatabaseAsync();
        var keys = _redis.Keys.For(hostId);
        var answer = await database.ScriptEvaluateAsync(CutScript, [keys.Live, keys.Snapshots], [keys.PrefixValue, uniquePart]);
        if (answer.IsNull)
        {
            return null;
        }

        var id = (string)answer!;
        var entries = await database.HashGetAllAsync(keys.Prefix + "s:" + id);
        return ToSnapshot(id, hostId, LiveHash.Parse(entries));
    }

    /// <summary>Every snapshot of the host still in Redis (left by a crash, or being written by another replica).</summary>
    public async Task<List<UsageFlushSnapshot>> ReadLeftoversAsync(string hostId)
    {
        var database = await _redis.GetDatabaseAsync();
        var keys = _redis.Keys.For(hostId);
        var snapshots = new List<UsageFlushSnapshot>();
        foreach (var id in await database.SetMembersAsync(keys.Snapshots))
        {
            var flushId = (string)id!;
            var entries = await database.HashGetAllAsync(keys.Prefix + "s:" + flushId);
            snapshots.Add(ToSnapshot(flushId, hostId, LiveHash.Parse(entries)));
        }

        return snapshots;
    }

    public async Task DeleteAsync(UsageFlushSnapshot snapshot)
    {
        var database = await _redis.GetDatabaseAsync();
        var keys = _redis.Keys.For(snapshot.HostId);
        await database.ScriptEvaluateAsync(DeleteScript, [keys.Snapshots], [keys.PrefixValue, snapshot.FlushId]);
    }

    private static UsageFlushSnapshot ToSnapshot(string flushId, string hostId, List<LiveBucket> buckets)
    {
        var rows = new List<UsageFlushRow>(buckets.Count);
        foreach (var (bucket, counters, firstUsage) in buckets)
        {
            rows.Add(new UsageFlushRow(hostId, bucket.Model, bucket.HourStartUtc, counters, firstUsage));
        }

        return new UsageFlushSnapshot(flushId, hostId, rows);
    }
}
