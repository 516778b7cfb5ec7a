using Grpc.Health.V1;

namespace Metering.Grpc.Health;

/// <summary>grpc.health.v1.Health: Check answers at once; Watch streams every change until the client leaves.</summary>
internal sealed class HealthService
{
    private readonly HealthStatusRegistry _registry;

    public HealthService(HealthStatusRegistry registry) => _registry = registry;

    public Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context)
    {
        if (!_registry.TryGetStatus(request.Service, out var status))
        {
            throw new RpcException(StatusCode.NotFound, $"Unknown service '{request.Service}'.");
        }

        return Task.FromResult(new HealthCheckResponse { Status = status });
    }

    public async Task Watch(HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> responses, ServerCallContext context)
    {
        var channel = _registry.Subscribe(request.Service);
        try
        {
            var last = _registry.TryGetStatus(request.Service, out var current) ? current : HealthCheckResponse.Types.ServingStatus.ServiceUnknown;
            await responses.WriteAsync(new HealthCheckResponse { Status = last }).ConfigureAwait(false);
            while (await channel.Reader.WaitToReadAsync(context.CancellationToken).ConfigureAwait(false))
            {
                while (channel.Reader.TryRead(out var next))
                {
                    if (next != last)
                    {
                        last = next;
                        await responses.WriteAsync(new HealthCheckResponse { Status = next }).ConfigureAwait(false);
                    }
                }
            }
        }
        finally
        {
            _registry.Unsubscribe(channel);
        }
    }
}
