namespace Metering.Service.Redis;

/// <summary>Where Redis is. Bound from configuration section "Redis".</summary>
public sealed class RedisOptions
{
    /// <summary>A StackExchange.Redis configuration string, e.g. "127.0.0.1:6379". Required.</summary>
    public string Configuration { get; set; } = string.Empty;

    /// <summary>Prefix of every key. Defaults to "m".</summary>
    public string KeyPrefix { get; set; } = "m";
}
