using Grpc.Health.V1;
using Metering.Grpc;

namespace Metering.Cli.Internal;

/// <summary>
/// <c>grpc.health.v1.Health/Check</c> of one endpoint (anonymous: no key). The SDK has no health client, so this one
/// call is made on the runtime's channel directly.
/// </summary>
internal static class HealthProbe
{
    private static readonly Method<HealthCheckRequest, HealthCheckResponse> Check = Method<HealthCheckRequest, HealthCheckResponse>.FromDescriptor(
        HealthReflection.Descriptor.Services[0].FindMethodByName("Check"),
        HealthCheckRequest.Parser,
        HealthCheckResponse.Parser);

    /// <summary>The serving status of the whole server, or the failure as text (UNAVAILABLE: connection refused, ...).</summary>
    public static async Task<(bool Serving, string Status)> CheckAsync(Uri address, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        using var channel = GrpcChannel.ForAddress(address);
        try
        {
            var response = await channel.UnaryAsync(Check, new HealthCheckRequest(), new CallOptions { Deadline = time.GetUtcNow().UtcDateTime + timeout, CancellationToken = cancellationToken });
            return (response.Status == HealthCheckResponse.Types.ServingStatus.Serving, response.Status.ToString().ToUpperInvariant());
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            return (false, $"{Rendering.RpcErrorWriter.CodeName(e.StatusCode)}: {e.Status.Detail}");
        }
    }
}
