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
    private const string Corrections = "/metering.v1.CorrectionService/";

    public static IServiceCollection AddMeteringSettlement(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddMeteringGrpc(configuration, SettlementTelemetry.ServiceName, SettlementService.Descriptor.FullName, CorrectionService.Descriptor.FullName);
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

        services.AddSingleton<CorrectionGrpcService>();
        services.AddMethodPolicy(Corrections + "ProposeCorrection", MethodPolicy.For(CallerRole.Host, CallerRole.Billing, CallerRole.Admin));
        services.AddMethodPolicy(Corrections + "ApproveCorrection", MethodPolicy.For(CallerRole.Billing, CallerRole.Admin));
        services.AddMethodPolicy(Corrections + "DeclineCorrection", MethodPolicy.For(CallerRole.Billing, CallerRole.Admin));
        services.AddMethodPolicy(Corrections + "ListCorrections", MethodPolicy.For(CallerRole.Host, CallerRole.Billing, CallerRole.Admin));
        services.AddMethodPolicy(Corrections + "AcknowledgeStatement", MethodPolicy.For(CallerRole.Host));
        services.AddMethodPolicy(Corrections + "DisputeStatement", MethodPolicy.For(CallerRole.Host));
        services.AddMethodPolicy(Corrections + "ListDisputes", MethodPolicy.For(CallerRole.Host, CallerRole.Billing, CallerRole.Admin));
        services.AddMethodPolicy(Corrections + "ResolveDispute", MethodPolicy.For(CallerRole.Billing, CallerRole.Admin));
        return services;
    }

    /// <summary>Maps SettlementService and CorrectionService (singleton handlers) and the standard endpoints.</summary>
    public static IEndpointRouteBuilder MapMeteringSettlement(this IEndpointRouteBuilder app)
    {
        app.MapGrpcService<SettlementGrpcService>();
        app.MapGrpcService<CorrectionGrpcService>();
        app.MapMeteringStandardEndpoints();
        return app;
    }
}
