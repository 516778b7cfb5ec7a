using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Metering.Service.Redis;

/// <summary>The process's one multiplexed Redis connection.</summary>
public sealed class RedisConnection : IAsyncDisposable
{
    private readonly Lazy<Task<ConnectionMultiplexer>> _connection;

    public RedisConnection(IOptions<RedisOptions> options)
    {
        var settings = ConfigurationOptions.Parse(options.Value.Configuration);
        settings.AbortOnConnectFail = false;
        settings.ConnectRetry = 3;
        settings.ConnectTimeout = 5000;
        settings.SyncTimeout = 10000;
        settings.AsyncTimeout = 10000;
        Keys = new RedisKeys(options.Value.KeyPrefix);
        _connection = new Lazy<Task<ConnectionMultiplexer>>(() => ConnectionMultiplexer.ConnectAsync(settings));
    }

    public RedisKeys Keys { get; }

    public async ValueTask<IDatabase> GetDatabaseAsync()
    {
        var multiplexer = await _connection.Value;
        return multiplexer.GetDatabase();
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection.IsValueCreated)
        {
            var multiplexer = await _connection.Value;
            await multiplexer.CloseAsync();
            multiplexer.Dispose();
        }
    }
}
