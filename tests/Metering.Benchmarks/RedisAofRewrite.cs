using StackExchange.Redis;

namespace Metering.Benchmarks;

/// <summary>
/// Redis rewrites its append-only file in a forked child once the file has doubled; with appendfsync always a rewrite
/// competes with every fsync of the ingest path. A benchmark that fills the file (the seeding of the flush benchmark,
/// the saturating ingest run) would make the next measurement share the machine with a rewrite it did not cause:
/// these steps wait a rewrite out, or run one now and wait for it.
/// </summary>
internal static class RedisAofRewrite
{
    /// <summary>Starts a rewrite (BGREWRITEAOF) and waits until it has finished.</summary>
    public static async Task CompactAsync(string redis)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis + ",allowAdmin=true");
        var server = connection.GetServer(connection.GetEndPoints()[0]);
        await WaitAsync(server);
        await server.ExecuteAsync("BGREWRITEAOF");
        await WaitAsync(server);
    }

    /// <summary>Waits (at most 2 minutes) until no rewrite is running or scheduled.</summary>
    public static async Task WaitAsync(IServer server)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            var persistence = (await server.InfoAsync("persistence")).SelectMany(g => g).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
            if (persistence.GetValueOrDefault("aof_rewrite_in_progress", "0") == "0" && persistence.GetValueOrDefault("aof_rewrite_scheduled", "0") == "0")
            {
                return;
            }

            await Task.Delay(100);
        }
    }
}
