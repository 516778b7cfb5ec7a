using System.Globalization;
using Metering.Domain.Usage;
using Metering.Service.Redis;
using StackExchange.Redis;

namespace Metering.Service.Usage;

/// <summary>
/// Reads what Redis still holds of one host — live counters and flush snapshots not yet deleted — in one
/// atomic Lua step, so a bucket being moved into a snapshot is seen in exactly one of the two.
/// </summary>
internal sealed class RedisUsageReader
{
    /// <summary>
    /// KEYS[1] dirty set; ARGV[1] prefix, [2] start hour, [3] end (exclusive), unix seconds.
    /// Returns { live, snapshots, TIME in µs as a string }.
    /// </summary>
    private const string ReadScript = """
        local now = redis.call('TIME')
        local prefix = ARGV[1]
        local startHour = tonumber(ARGV[2])
        local endHour = tonumber(ARGV[3])
        local live = {}
        for _, member in ipairs(redis.call('SMEMBERS', KEYS[1])) do
          local hour = tonumber(string.match(member, '^(%d+):'))
          if hour and hour >= startHour and hour < endHour then
            live[#live + 1] = member
            live[#live + 1] = redis.call('HGETALL', prefix .. 'c:' .. member)
          end
        end
        local snapshots = {}
        for _, id in ipairs(redis.call('SMEMBERS', prefix .. 'snaps')) do
          snapshots[#snapshots + 1] = id
          snapshots[#snapshots + 1] = redis.call('HGETALL', prefix .. 's:' .. id)
        end
        return { live, snapshots, now[1] .. string.format('%06d', tonumber(now[2])) }
        """;

    private readonly RedisConnection _redis;

    public RedisUsageReader(RedisConnection redis) => _redis = redis;

    public async Task<HostRedisUsage> ReadAsync(string hostId, UsageQuery query)
    {
        var database = await _redis.GetDatabaseAsync();
        var keys = _redis.Keys.For(hostId);
        var result = (RedisResult[])(await database.ScriptEvaluateAsync(ReadScript, [keys.Dirty], [keys.PrefixValue, query.StartUnixSeconds, query.EndUnixSeconds]))!;
        var live = new List<(HourBucket, UsageCounters)>();
        var liveItems = (RedisResult[])result[0]!;
        for (var i = 0; i + 1 < liveItems.Length; i += 2)
        {
            var bucket = HourBucket.FromMember((string)liveItems[i]!);
            live.Add((bucket, ParseCounters((RedisResult[])liveItems[i + 1]!)));
        }

        var snapshots = new List<(string FlushId, List<(HourBucket, UsageCounters)> Buckets)>();
        var snapshotItems = (RedisResult[])result[1]!;
        for (var i = 0; i + 1 < snapshotItems.Length; i += 2)
        {
            snapshots.Add(((string)snapshotItems[i]!, ParseSnapshot((RedisResult[])snapshotItems[i + 1]!)));
        }

        var readStamp = long.Parse((string)result[2]!, CultureInfo.InvariantCulture);
        return new HostRedisUsage(hostId, live, snapshots, readStamp);
    }

    internal static UsageCounters ParseCounters(RedisResult[] hash)
    {
        var counters = default(UsageCounters);
        for (var i = 0; i + 1 < hash.Length; i += 2)
        {
            SetField(ref counters, (string)hash[i]!, (long)hash[i + 1]);
        }

        return counters;
    }

    /// <summary>A snapshot hash has fields "&lt;hour&gt;:&lt;model&gt;|&lt;field&gt;".</summary>
    internal static List<(HourBucket, UsageCounters)> ParseSnapshot(RedisResult[] hash)
    {
        var buckets = new Dictionary<string, UsageCounters>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < hash.Length; i += 2)
        {
            var name = (string)hash[i]!;
            var bar = name.LastIndexOf('|');
            var member = name[..bar];
            buckets.TryGetValue(member, out var counters);
            SetField(ref counters, name[(bar + 1)..], long.Parse((string)hash[i + 1]!, CultureInfo.InvariantCulture));
            buckets[member] = counters;
        }

        return buckets.Select(b => (HourBucket.FromMember(b.Key), b.Value)).ToList();
    }

    private static void SetField(ref UsageCounters counters, string field, long value)
    {
        switch (field)
        {
            case "i": counters.InputTokens += value; break;
            case "o": counters.OutputTokens += value; break;
            case "r": counters.Requests += value; break;
            case "b": counters.BilledMicros += value; break;
            case "n": counters.Records += value; break;
        }
    }
}
