using Metering.Contracts.V1;
using Metering.ServiceDefaults;
using Metering.Persistence;
using Metering.Persistence.Settlement;
using Metering.Security;
using Metering.Settlement.Application;
using Metering.Settlement.Grpc;
using Metering.Settlement.Scheduling;
using Metering.Settlement.Telemetry;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Metering.Settlement;

/// <summary>Everything the settlement service registers: gRPC, storage, security, settlement, the schedule.</summary>
public static class SettlementServiceCollectionExtensions
{
    private const string Service = "/metering.v1.SettlementService/";

    public static IServiceCollection AddMeteringSettlement(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddMeteringGrpc(configuration, SettlementTelemetry.ServiceName, SettlementService.Descriptor.FullName);
        services.AddMeteringPostgres(configuration);
        services.AddSettlementPersistence();
        services.AddMeteringSecurity(configuration);

        services.AddOptions<SettlementOptions>()
            .Bind(configuration.GetSection("Settlement"))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<SettlementOptions>, SettlementOptionsValidator>();
        services.AddSingleton<AgreementService>();
        services.AddSingleton<SettlementMetrics>();
        services.AddSingleton<SettlementEngine>();
        services.AddSingleton<StatementFinalizer>();
        services.AddSingleton<SettlementCycle>();
        services.AddHostedService<SettlementScheduler>();

        services.AddSingleton<SettlementGrpcService>();
        services.AddMethodPolicy(Service + "UpsertAgreement", MethodPolicy.For(CallerRole.Admin));
        services.AddMethodPolicy(Service + "ListAgreements", MethodPolicy.For(CallerRole.Billing, CallerRole.Admin));
        services.AddMethodPolicy(Service + "RunSettlement", MethodPolicy.For(CallerRole.Billing, CallerRole.Admin));
        services.AddMethodPolicy(Service + "FinalizeStatement", MethodPolicy.For(CallerRole.Billing, CallerRole.Admin));
        services.AddMethodPolicy(Service + "GetStatement", MethodPolicy.For(CallerRole.Host, CallerRole.Billing, CallerRole.Admin));
        services.AddMethodPolicy(Service + "ListStatements", MethodPolicy.For(CallerRole.Host, CallerRole.Billing, CallerRole.Admin));
        return services;
    }

    /// <summary>Maps SettlementService (a singleton handler) and the standard endpoints.</summary>
    public static IEndpointRouteBuilder MapMeteringSettlement(this IEndpointRouteBuilder app)
    {
        app.MapGrpcService<SettlementGrpcService>();
        app.MapMeteringStandardEndpoints();
        return app;
    }
}
