using Metering.Persistence.Audit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Metering.Persistence;

/// <summary>Registers PostgreSQL access: options, the data source, migrations and repositories.</summary>
public static class PersistenceServiceCollectionExtensions
{
    public static IServiceCollection AddMeteringPostgres(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PostgresOptions>()
            .Bind(configuration.GetSection("Postgres"))
            .Validate(o => !string.IsNullOrWhiteSpace(o.ConnectionString), "Postgres:ConnectionString is required (e.g. Host=127.0.0.1;Port=5432;Username=metering;Database=metering).")
            .ValidateOnStart();
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<PostgresOptions>>().Value;
            var builder = new NpgsqlDataSourceBuilder(options.ConnectionString);
            return builder.Build();
        });
        services.AddSingleton<MigrationRunner>();
        services.AddSingleton<HostRepository>();
        services.AddSingleton<ApiKeyRepository>();
        services.AddSingleton<UsageRepository>();
        services.AddSingleton<UsageFlushWriter>();
        services.AddSingleton<FinalizedPeriodReader>();
        services.AddSingleton<AuditRepository>();
        return services;
    }

    /// <summary>Applies pending migrations when Postgres:MigrateOnStart is true (the default).</summary>
    public static async Task MigrateMeteringDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken = default)
    {
        if (services.GetRequiredService<IOptions<PostgresOptions>>().Value.MigrateOnStart)
        {
            await services.GetRequiredService<MigrationRunner>().MigrateAsync(cancellationToken);
        }
    }
}
