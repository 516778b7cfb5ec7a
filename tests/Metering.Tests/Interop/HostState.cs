using System.Globalization;
using Grpc.Net.Client;
using Metering.Contracts.V1;
using Metering.Service.Redis;
using Metering.Testing;
using StackExchange.Redis;

namespace Metering.Tests.Interop;

/// <summary>
/// Everything a host's usage consists of: each of its Redis keys with its content (counters, producer sequences,
/// idempotency keys) and the totals GetUsage answers for <see cref="InteropUsage.Hour"/>.
/// </summary>
internal sealed record HostState(IReadOnlyList<string> RedisEntries, IReadOnlyList<(string Model, long Input, long Output, long Requests, long Billed)> Totals)
{
    public static async Task<HostState> CaptureAsync(MeteringServiceHost service, GrpcChannel channel, string hostId, string key)
    {
        var prefix = new RedisKeys(service.RedisPrefix).For(hostId).Prefix;
        await using var redis = await ConnectionMultiplexer.ConnectAsync(TestInfrastructure.Redis);
        var server = redis.GetServers().Single();
        var database = redis.GetDatabase();
        var entries = new List<string>();
        await foreach (var name in server.KeysAsync(pattern: prefix + "*"))
        {
            entries.Add((string?)name + " " + await DescribeAsync(database, name));
        }

        entries.Sort(StringComparer.Ordinal);
        var usage = await new UsageService.UsageServiceClient(channel).GetUsageAsync(InteropUsage.ByModel(), Calls.As(key));
        return new HostState(entries, InteropUsage.Totals(usage));
    }

    private static async Task<string> DescribeAsync(IDatabase database, RedisKey name)
    {
        var type = await database.KeyTypeAsync(name);
        IEnumerable<string> values = type switch
        {
            RedisType.String => [(string?)await database.StringGetAsync(name) ?? ""],
            RedisType.Hash => (await database.HashGetAllAsync(name)).Select(e => $"{e.Name}={e.Value}"),
            RedisType.Set => (await database.SetMembersAsync(name)).Select(v => (string?)v ?? ""),
            RedisType.SortedSet => (await database.SortedSetRangeByRankWithScoresAsync(name)).Select(e => string.Create(CultureInfo.InvariantCulture, $"{e.Element}:{e.Score}")),
            RedisType.List => (await database.ListRangeAsync(name)).Select(v => (string?)v ?? ""),
            _ => [],
        };
        return type + " [" + string.Join(", ", values.Order(StringComparer.Ordinal)) + "]";
    }
}
