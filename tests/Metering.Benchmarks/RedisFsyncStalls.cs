using StackExchange.Redis;

namespace Metering.Benchmarks;

/// <summary>
/// With appendfsync always every ack waits for Redis' fsync of the append-only file, so a slow disk is an ack latency
/// no code can hide. Redis' latency monitor (threshold 5 ms, set here) records every slow fsync as event
/// "aof-fsync-always"; a run reports how many it saw and the longest, next to its ack percentiles.
/// </summary>
internal sealed class RedisFsyncStalls : IAsyncDisposable
{
    private const string Event = "aof-fsync-always";
    private readonly ConnectionMultiplexer _connection;
    private readonly IServer _server;

    private RedisFsyncStalls(ConnectionMultiplexer connection)
    {
        _connection = connection;
        _server = connection.GetServer(connection.GetEndPoints()[0]);
    }

    public static async Task<RedisFsyncStalls> ConnectAsync(string redis)
    {
        var stalls = new RedisFsyncStalls(await ConnectionMultiplexer.ConnectAsync(redis + ",allowAdmin=true"));
        await stalls._server.ExecuteAsync("CONFIG", "SET", "latency-monitor-threshold", "5");
        return stalls;
    }

    /// <summary>Forgets what was recorded so far: the next <see cref="ReadAsync"/> covers what happens from now on.</summary>
    public Task ResetAsync() => _server.ExecuteAsync("LATENCY", "RESET");

    /// <summary>
    /// Fsyncs of 5 ms or more since the reset (Redis keeps the worst per second, up to 160 seconds) and the longest.
    /// </summary>
    public async Task<(int Seconds, long LongestMs)> ReadAsync()
    {
        var history = (RedisResult[])(await _server.ExecuteAsync("LATENCY", "HISTORY", Event))!;
        var longest = 0L;
        foreach (var sample in history)
        {
            longest = Math.Max(longest, (long)((RedisResult[])sample!)[1]);
        }

        return (history.Length, longest);
    }

    public async ValueTask DisposeAsync() => await _connection.DisposeAsync();
}
