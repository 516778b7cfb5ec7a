using Metering.Domain.Usage;
using Metering.Persistence;
using Metering.Service.Redis;
using Metering.Service.Usage;
using StackExchange.Redis;

namespace Metering.Service.Flush;

/// <summary>
/// The Redis side of a flush: moves a host's live buckets into a snapshot under a new flush id (atomically),
/// lists and reads snapshots left behind, and deletes a snapshot once PostgreSQL has it.
/// </summary>
internal sealed class RedisSnapshotStore
{
    /// <summary>
    /// KEYS[1] dirty set; ARGV[1] prefix, [2] unique part of the flush id. The flush id is "&lt;TIME in µs&gt;-&lt;unique
    /// part&gt;". Returns { flush id, { member, hash, member, hash, ... } }, or {} when nothing was live.
    /// </summary>
    private const string CutScript = """
        local prefix = ARGV[1]
        local members = redis.call('SMEMBERS', KEYS[1])
        if #members == 0 then return {} end
        local now = redis.call('TIME')
        local id = now[1] .. string.format('%06d', tonumber(now[2])) .. '-' .. ARGV[2]
        local snapshot = prefix .. 's:' .. id
        local out = {}
        for _, member in ipairs(members) do
          local key = prefix .. 'c:' .. member
          local hash = redis.call('HGETALL', key)
          for i = 1, #hash, 2 do
            redis.call('HSET', snapshot, member .. '|' .. hash[i], hash[i + 1])
          end
          redis.call('DEL', key)
          out[#out + 1] = member
          out[#out + 1] = hash
        end
        redis.call('DEL', KEYS[1])
        redis.call('SADD', prefix .. 'snaps', id)
        return { id, out }
        """;

    private const string DeleteScript = """
        redis.call('DEL', ARGV[1] .. 's:' .. ARGV[2])
        redis.call('SREM', KEYS[1], ARGV[2])
        return 1
        """;

    private readonly RedisConnection _redis;

    public RedisSnapshotStore(RedisConnection redis) => _redis = redis;

    /// <summary>
    /// Cuts the host's live buckets into a snapshot whose flush id ends in <paramref name="uniquePart"/>; null when
    /// nothing was live.
    /// </summary>
    public async Task<UsageFlushSnapshot?> CutAsync(string hostId, string uniquePart)
    {
        var database = await _redis.GetDatabaseAsync();
        var keys = _redis.Keys.For(hostId);
        var answer = (RedisResult[])(await database.ScriptEvaluateAsync(CutScript, [keys.Dirty], [keys.PrefixValue, uniquePart]))!;
        if (answer.Length == 0)
        {
            return null;
        }

        var flushId = (string)answer[0]!;
        var result = (RedisResult[])answer[1]!;

        var rows = new List<UsageFlushRow>(result.Length / 2);
        for (var i = 0; i + 1 < result.Length; i += 2)
        {
            var bucket = HourBucket.FromMember((string)result[i]!);
            rows.Add(new UsageFlushRow(hostId, bucket.Model, bucket.HourStartUtc, RedisUsageReader.ParseCounters((RedisResult[])result[i + 1]!)));
        }

        return new UsageFlushSnapshot(flushId, hostId, rows);
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
            var hash = entries.SelectMany(e => new[] { RedisResult.Create(e.Name), RedisResult.Create(e.Value) }).ToArray();
            var rows = RedisUsageReader.ParseSnapshot(hash)
                .Select(b => new UsageFlushRow(hostId, b.Item1.Model, b.Item1.HourStartUtc, b.Item2))
                .ToList();
            snapshots.Add(new UsageFlushSnapshot(flushId, hostId, rows));
        }

        return snapshots;
    }

    public async Task DeleteAsync(UsageFlushSnapshot snapshot)
    {
        var database = await _redis.GetDatabaseAsync();
        var keys = _redis.Keys.For(snapshot.HostId);
        await database.ScriptEvaluateAsync(DeleteScript, [keys.Snapshots], [keys.PrefixValue, snapshot.FlushId]);
    }
}
