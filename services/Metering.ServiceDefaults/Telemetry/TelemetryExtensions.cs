using Metering.Security;
using Npgsql;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Metering.ServiceDefaults.Telemetry;

/// <summary>
/// Metrics and traces of a service (docs/operations.md, "Observability"), on OpenTelemetry: the service's meter and
/// ASP.NET Core's and Kestrel's, in Prometheus text format at <c>/metrics</c> (unless Telemetry:PrometheusEnabled is
/// false) and by OTLP when Telemetry:OtlpEndpoint is set; traces (the service's activity source, ASP.NET Core's
/// requests, Npgsql's commands) only with an OTLP endpoint, so nothing records spans otherwise.
/// </summary>
public static class TelemetryExtensions
{
    public static IServiceCollection AddMeteringTelemetry(this IServiceCollection services, IConfiguration configuration, string serviceName)
    {
        var section = configuration.GetSection("Telemetry");
        services.AddOptions<TelemetryOptions>().Bind(section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TelemetryOptions>, TelemetryOptionsValidator>();
        services.AddSingleton(sp => new ServiceMeter(sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), serviceName));
        services.AddSingleton<RpcMetricsInterceptor>();
        services.AddSingleton<IAuthenticationEvents, AuthenticationMetrics>();

        var options = section.Get<TelemetryOptions>() ?? new TelemetryOptions();
        if (!options.PrometheusEnabled && options.OtlpEndpoint is null)
        {
            return services;
        }

        var telemetry = services.AddOpenTelemetry().ConfigureResource(resource => resource.AddService(serviceName));
        telemetry.WithMetrics(metrics =>
        {
            // ASP.NET Core's request and Kestrel's connection meters, not all of AddAspNetCoreInstrumentation's: its
            // "Microsoft.AspNetCore.MemoryPool" meter counts every buffer Kestrel rents on the ingest path, and no alert
            // or dashboard panel reads it.
            metrics.AddMeter(serviceName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel");
            if (options.PrometheusEnabled)
            {
                // Every scrape reads the instruments afresh: the scrape interval is the operator's to choose.
                metrics.AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0);
            }

            if (options.OtlpEndpoint is { } endpoint)
            {
                metrics.AddOtlpExporter(otlp => Configure(otlp, endpoint, options.OtlpProtocol));
            }
        });
        if (options.OtlpEndpoint is { } traceEndpoint)
        {
            telemetry.WithTracing(tracing => tracing
                .AddSource(serviceName)
                .AddAspNetCoreInstrumentation()
                .AddNpgsql()
                .AddOtlpExporter(otlp => Configure(otlp, traceEndpoint, options.OtlpProtocol)));
        }

        return services;
    }

    /// <summary>Maps <c>/metrics</c> (Prometheus text format) when Telemetry:PrometheusEnabled is true.</summary>
    public static IEndpointRouteBuilder MapMeteringMetrics(this IEndpointRouteBuilder endpoints)
    {
        if (endpoints.ServiceProvider.GetRequiredService<IOptions<TelemetryOptions>>().Value.PrometheusEnabled)
        {
            endpoints.MapPrometheusScrapingEndpoint("/metrics");
        }

        return endpoints;
    }

    private static void Configure(OtlpExporterOptions otlp, Uri endpoint, string protocol)
    {
        otlp.Endpoint = endpoint;
        otlp.Protocol = protocol == "http/protobuf" ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
    }

    /// <summary>Reports the first invalid telemetry setting by its name.</summary>
    private sealed class TelemetryOptionsValidator : IValidateOptions<TelemetryOptions>
    {
        public ValidateOptionsResult Validate(string? name, TelemetryOptions options)
            => options.Validate() is { } error ? ValidateOptionsResult.Fail(error) : ValidateOptionsResult.Success;
    }
}
