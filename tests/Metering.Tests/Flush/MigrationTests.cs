using Metering.Persistence;
using Metering.Testing;
using Metering.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Xunit;

namespace Metering.Tests.Flush;

public sealed class MigrationTests
{
    [Fact]
    public async Task EmptyDatabase_GetsEveryMigration_ThenNothingMore()
    {
        var connectionString = await TestInfrastructure.CreateDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var runner = new MigrationRunner(dataSource, NullLogger<MigrationRunner>.Instance);

        var first = await runner.MigrateAsync(CancellationToken.None);
        Assert.Equal(MigrationRunner.Migrations.Select(m => m.Version), first);
        Assert.Empty(await runner.MigrateAsync(CancellationToken.None));

        await using var command = dataSource.CreateCommand("SELECT count(*) FROM schema_migrations");
        Assert.Equal((long)MigrationRunner.Migrations.Count, (long)(await command.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task ReplicasStartingTogether_ApplyEachMigrationOnce()
    {
        var connectionString = await TestInfrastructure.CreateDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => new MigrationRunner(dataSource, NullLogger<MigrationRunner>.Instance).MigrateAsync(CancellationToken.None)));
        Assert.Equal(MigrationRunner.Migrations.Count, runs.Sum(r => r.Count));
    }
}
