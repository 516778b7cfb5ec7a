namespace Metering.Persistence;

/// <summary>Where PostgreSQL is. Bound from configuration section "Postgres".</summary>
public sealed class PostgresOptions
{
    /// <summary>An Npgsql connection string. Required; `make run` and `make test` pass their own.</summary>
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>Apply pending migrations at start-up. Defaults to true.</summary>
    public bool MigrateOnStart { get; set; } = true;
}
