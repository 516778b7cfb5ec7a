using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace Metering.Cli.Internal;

/// <summary><c>grpc.health.v1.Health/Check</c> of one endpoint (anonymous: no key), with the generated health client.</summary>
internal static class HealthProbe
{
    /// <summary>The serving status of the whole server, or the failure as text (UNAVAILABLE: connection refused, ...).</summary>
    public static async Task<(bool Serving, string Status)> CheckAsync(Uri address, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        using var channel = GrpcChannel.ForAddress(address);
        try
        {
            var client = new Health.HealthClient(channel);
            var response = await client.CheckAsync(new HealthCheckRequest(), deadline: time.GetUtcNow().UtcDateTime + timeout, cancellationToken: cancellationToken);
            return (response.Status == HealthCheckResponse.Types.ServingStatus.Serving, response.Status.ToString().ToUpperInvariant());
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            return (false, $"{Rendering.RpcErrorWriter.CodeName(e.StatusCode)}: {e.Status.Detail}");
        }
    }
}
