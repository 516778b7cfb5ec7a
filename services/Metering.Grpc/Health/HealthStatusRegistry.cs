using System.Collections.Concurrent;
using System.Threading.Channels;
using Grpc.Health.V1;

namespace Metering.Grpc.Health;

/// <summary>
/// The serving status of each service name ("" is the whole server), as answered by grpc.health.v1.Health.
/// </summary>
public sealed class HealthStatusRegistry
{
    private readonly ConcurrentDictionary<string, HealthCheckResponse.Types.ServingStatus> _statuses = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Channel<HealthCheckResponse.Types.ServingStatus>, string> _watchers = new();

    public void SetStatus(string service, HealthCheckResponse.Types.ServingStatus status)
    {
        _statuses[service] = status;
        foreach (var (channel, watched) in _watchers)
        {
            if (watched == service)
            {
                channel.Writer.TryWrite(status);
            }
        }
    }

    public bool TryGetStatus(string service, out HealthCheckResponse.Types.ServingStatus status) => _statuses.TryGetValue(service, out status);

    /// <summary>Marks every known service NOT_SERVING (on shutdown).</summary>
    public void SetAllNotServing()
    {
        foreach (var service in _statuses.Keys)
        {
            SetStatus(service, HealthCheckResponse.Types.ServingStatus.NotServing);
        }
    }

    internal Channel<HealthCheckResponse.Types.ServingStatus> Subscribe(string service)
    {
        var channel = Channel.CreateBounded<HealthCheckResponse.Types.ServingStatus>(new BoundedChannelOptions(16) { FullMode = BoundedChannelFullMode.DropOldest });
        _watchers[channel] = service;
        return channel;
    }

    internal void Unsubscribe(Channel<HealthCheckResponse.Types.ServingStatus> channel) => _watchers.TryRemove(channel, out _);
}
