using Grpc.AspNetCore.Server;
using Metering.Security;
using Metering.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Metering.ServiceDefaults;

/// <summary>
/// The gRPC composition both services share (docs/operations.md lists every setting): grpc-dotnet with the
/// store-failure and authentication interceptors, settings of section "Grpc", server reflection, and health over ASP.NET Core
/// health checks — NOT_SERVING (gRPC) and 503 (<c>/healthz</c>) while a check fails.
/// </summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>
    /// gRPC, telemetry (the meter and activity source named <paramref name="serviceName"/>) and the health checks every
    /// service runs; the services add their own checks through the builder returned.
    /// </summary>
    public static IHealthChecksBuilder AddMeteringGrpc(this IServiceCollection services, IConfiguration configuration, string serviceName, params string[] servedServices)
    {
        services.AddMeteringTelemetry(configuration, serviceName);
        services.AddSingleton<StoreFailureInterceptor>();
        services.AddGrpc(options =>
        {
            // Outermost first: the metrics see the status the client sees; a database failure of the key lookup is
            // UNAVAILABLE too.
            options.Interceptors.Add<RpcMetricsInterceptor>();
            options.Interceptors.Add<StoreFailureInterceptor>();
            options.Interceptors.Add<AuthenticationInterceptor>();
        });
        services.AddOptions<GrpcServiceOptions>()
            .Bind(configuration.GetSection("Grpc"))
            .Validate(
                o => o.MaxReceiveMessageSize is null or > 0 && o.MaxSendMessageSize is null or > 0,
                "Grpc:MaxReceiveMessageSize and Grpc:MaxSendMessageSize must be positive when set.")
            .ValidateOnStart();
        services.AddGrpcReflection();
        services.AddGrpcHealthChecks(options =>
        {
            // Check runs the health checks on demand (grpc-dotnet's default), for the server ("") and for each
            // service by name, so `grpc_health_probe -service metering.v1.IngestService` works too.
            foreach (var name in servedServices)
            {
                options.Services.Map(name, _ => true);
            }
        });
        return services.AddHealthChecks().AddCheck<PostgresHealthCheck>("postgres", timeout: HealthCheckTimeout);
    }

    /// <summary>How long one dependency check may take before it counts as failed: 2 seconds.</summary>
    public static readonly TimeSpan HealthCheckTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Kestrel settings for gRPC: HTTP/2 on every endpoint unless the endpoint's configuration says otherwise (h2c in
    /// clear text, ALPN h2 with TLS), and no request-body size or data-rate limit, so long-lived streams are not cut.
    /// </summary>
    public static IWebHostBuilder UseMeteringKestrelDefaults(this IWebHostBuilder builder)
    {
        builder.UseKestrelHttpsConfiguration();
        return builder.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Limits.MinRequestBodyDataRate = null;
            kestrel.Limits.MinResponseDataRate = null;
            kestrel.Limits.Http2.MaxStreamsPerConnection = 1000;
            kestrel.Limits.Http2.InitialConnectionWindowSize = 4 * 1024 * 1024;
            kestrel.Limits.Http2.InitialStreamWindowSize = 2 * 1024 * 1024;
            kestrel.ConfigureEndpointDefaults(listen => listen.Protocols = HttpProtocols.Http2);
        });
    }

    /// <summary>Maps reflection, gRPC health, the HTTP <c>/healthz</c> for load balancers and <c>/metrics</c>.</summary>
    public static IEndpointRouteBuilder MapMeteringStandardEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcReflectionService();
        endpoints.MapGrpcHealthChecksService();
        endpoints.MapHealthChecks("/healthz");
        endpoints.MapMeteringMetrics();
        return endpoints;
    }
}
