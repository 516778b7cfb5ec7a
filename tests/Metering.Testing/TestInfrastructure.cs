using Npgsql;

namespace Metering.Testing;

/// <summary>
/// The real Redis and PostgreSQL that `make test` starts (scripts/infra.sh): their addresses come from
/// METERING_REDIS and METERING_POSTGRES. Without them the integration tests fail and say how to run them.
/// </summary>
public static class TestInfrastructure
{
    public static string Redis => Require("METERING_REDIS");

    public static string Postgres => Require("METERING_POSTGRES");

    /// <summary>A new empty database on the test server, for one test class (or one host).</summary>
    public static async Task<string> CreateDatabaseAsync()
    {
        var name = "t_" + Guid.NewGuid().ToString("N")[..16];
        await using (var connection = new NpgsqlConnection(Postgres))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(Postgres) { Database = name }.ConnectionString;
    }

    /// <summary>Drops a database made by <see cref="CreateDatabaseAsync"/> (closing what still uses it).</summary>
    public static async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        await using var connection = new NpgsqlConnection(Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>A Redis key prefix no other test uses.</summary>
    public static string NewRedisPrefix() => "t" + Guid.NewGuid().ToString("N")[..12];

    private static string Require(string name)
        => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set: integration tests need the Redis and PostgreSQL that `make test` starts (or `make infra-up` and `source .run/infra/env`).");
}
