using Microsoft.Extensions.DependencyInjection;

namespace Metering.Persistence.Settlement;

/// <summary>Registers the settlement repositories (on the data source <c>AddMeteringPostgres</c> registers).</summary>
public static class SettlementPersistenceServiceCollectionExtensions
{
    public static IServiceCollection AddSettlementPersistence(this IServiceCollection services)
    {
        services.AddSingleton<AgreementRepository>();
        services.AddSingleton<StatementRepository>();
        services.AddSingleton<SettlementUsageRepository>();
        services.AddSingleton<SettlementRunStore>();
        services.AddSingleton<Corrections.CorrectionStore>();
        return services;
    }
}
