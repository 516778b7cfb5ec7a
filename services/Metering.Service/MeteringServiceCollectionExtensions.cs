using Metering.Contracts.V1;
using Metering.Domain.Ingest;
using Metering.Persistence;
using Metering.Security;
using Metering.ServiceDefaults;
using Metering.Service.Admin;
using Metering.Service.Flush;
using Metering.Service.Ingest;
using Metering.Service.Redis;
using Metering.Service.Telemetry;
using Metering.Service.Usage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Metering.Service;

/// <summary>Everything the metering service registers: gRPC, storage, security, ingest, usage, admin, the flusher.</summary>
public static class MeteringServiceCollectionExtensions
{
    public static IServiceCollection AddMeteringService(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddMeteringGrpc(configuration, MeteringTelemetry.ServiceName, IngestService.Descriptor.FullName, UsageService.Descriptor.FullName, AdminService.Descriptor.FullName)
            .AddCheck<RedisHealthCheck>("redis", timeout: ServiceDefaultsExtensions.HealthCheckTimeout);
        services.AddMeteringPostgres(configuration);
        services.AddMeteringSecurity(configuration);
        services.AddMeteringRedis(configuration);
        services.AddMeteringIngest(configuration);

        services.AddSingleton<RedisUsageReader>();
        services.AddSingleton<UsageQueryService>();
        services.AddSingleton<UsageGrpcService>();
        services.AddMethodPolicy("/metering.v1.UsageService/", MethodPolicy.For(CallerRole.Host, CallerRole.Billing, CallerRole.Admin));

        services.AddMeteringFlush(configuration);

        services.AddSingleton<AdminGrpcService>();

        services.AddMethodPolicy("/metering.v1.AdminService/", MethodPolicy.For(CallerRole.Admin));
        services.AddMethodPolicy("/metering.v1.AdminService/ListHosts", MethodPolicy.For(CallerRole.Billing, CallerRole.Admin));
        services.AddMethodPolicy("/metering.v1.AdminService/ListAuditEvents", MethodPolicy.For(CallerRole.Host, CallerRole.Billing, CallerRole.Admin));
        return services;
    }

    /// <summary>Maps the three services (each handler a singleton: grpc-dotnet resolves it from DI) and the standard endpoints.</summary>
    public static IEndpointRouteBuilder MapMeteringService(this IEndpointRouteBuilder app)
    {
        app.MapGrpcService<IngestGrpcService>();
        app.MapGrpcService<UsageGrpcService>();
        app.MapGrpcService<AdminGrpcService>();
        app.MapMeteringStandardEndpoints();
        return app;
    }

    private static IServiceCollection AddMeteringFlush(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<FlushOptions>().Bind(configuration.GetSection("Flush")).ValidateOnStart();
        services.AddSingleton<IValidateOptions<FlushOptions>, FlushOptionsValidator>();
        services.AddSingleton<RedisSnapshotStore>();
        services.AddSingleton<FlushMetrics>();
        services.AddSingleton<UsageFlusher>();
        services.AddHostedService(sp => sp.GetRequiredService<UsageFlusher>());
        return services;
    }

    private static IServiceCollection AddMeteringRedis(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RedisOptions>()
            .Bind(configuration.GetSection("Redis"))
            .Validate(o => !string.IsNullOrWhiteSpace(o.Configuration), "Redis:Configuration is required (e.g. 127.0.0.1:6379).")
            .Validate(o => !string.IsNullOrEmpty(o.KeyPrefix) && !o.KeyPrefix.Contains('{', StringComparison.Ordinal), "Redis:KeyPrefix must be non-empty and contain no '{'.")
            .ValidateOnStart();
        services.AddSingleton<RedisConnection>();
        return services;
    }

    private static IServiceCollection AddMeteringIngest(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<IngestLimits>()
            .Bind(configuration.GetSection("Ingest"))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<IngestLimits>, LimitsValidator>();
        services.AddOptions<IngestOptions>()
            .Bind(configuration.GetSection("Ingest"))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<IngestOptions>, IngestOptionsValidator>();
        services.AddSingleton(sp => new UsageRecordValidator(sp.GetRequiredService<IOptions<IngestLimits>>().Value));
        services.AddSingleton<BatchPreparer>();
        services.AddOptions<AdjustmentLookbackOptions>()
            .Bind(configuration.GetSection("Settlement"))
            .Validate(o => o.AdjustmentLookbackMonths is >= 1 and <= 24, "Settlement:AdjustmentLookbackMonths must be between 1 and 24 (the settlement service reads the same setting).")
            .ValidateOnStart();
        services.AddSingleton<FinalizedPeriodGuard>();
        services.AddSingleton<RedisGroupCommitter>();
        services.AddSingleton<IngestBudget>();
        services.AddSingleton<IngestMetrics>();
        services.AddSingleton<IngestGrpcService>();
        services.AddMethodPolicy("/metering.v1.IngestService/", MethodPolicy.For(CallerRole.Host));
        return services;
    }

    /// <summary>Reports the first invalid flush setting by its setting name.</summary>
    private sealed class FlushOptionsValidator : IValidateOptions<FlushOptions>
    {
        public ValidateOptionsResult Validate(string? name, FlushOptions options)
            => options.Validate() is { } error ? ValidateOptionsResult.Fail(error) : ValidateOptionsResult.Success;
    }

    /// <summary>Reports the first invalid ingest limit by its setting name.</summary>
    private sealed class LimitsValidator : IValidateOptions<IngestLimits>
    {
        public ValidateOptionsResult Validate(string? name, IngestLimits options)
            => options.Validate() is { } error ? ValidateOptionsResult.Fail(error) : ValidateOptionsResult.Success;
    }

    /// <summary>Reports the first invalid ingest pipeline setting by its setting name.</summary>
    private sealed class IngestOptionsValidator : IValidateOptions<IngestOptions>
    {
        public ValidateOptionsResult Validate(string? name, IngestOptions options)
            => options.Validate() is { } error ? ValidateOptionsResult.Fail(error) : ValidateOptionsResult.Success;
    }
}
