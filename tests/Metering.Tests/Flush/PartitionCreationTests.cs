using Metering.Persistence;
using Metering.Testing;
using Metering.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Xunit;

namespace Metering.Tests.Flush;

/// <summary>
/// usage_partition_for is called by every flush transaction, several at once. A transaction that waited for another
/// one creating the same month's partition must find it once that one commits, not fail with "already exists" (it did:
/// the re-check after the advisory lock read a stale catalog cache; migration 0005).
/// </summary>
public sealed class PartitionCreationTests
{
    [Fact]
    public async Task TransactionsCreatingTheSameMonthAtOnce_AllCommit_OnePartition()
    {
        var connectionString = await TestInfrastructure.CreateDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await new MigrationRunner(dataSource, NullLogger<MigrationRunner>.Instance).MigrateAsync(CancellationToken.None);

        // The first transaction creates the partition and keeps it uncommitted while the others queue behind it.
        await using var first = await dataSource.OpenConnectionAsync();
        await using var firstTransaction = await first.BeginTransactionAsync();
        await Execute(first, "SELECT usage_partition_for('2031-03-15T00:00:00Z')");

        var others = Enumerable.Range(0, 3).Select(async _ =>
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await Execute(connection, "SELECT usage_partition_for('2031-03-20T00:00:00Z')");
            await transaction.CommitAsync();
        }).ToList();

        await WaitForLockWaitersAsync(dataSource, 3);
        await firstTransaction.CommitAsync();
        await Task.WhenAll(others);

        await using var count = dataSource.CreateCommand("SELECT count(*) FROM pg_inherits WHERE inhparent = 'usage_hourly'::regclass AND inhrelid = 'usage_hourly_2031_03'::regclass");
        Assert.Equal(1L, (long)(await count.ExecuteScalarAsync())!);
    }

    private static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task WaitForLockWaitersAsync(NpgsqlDataSource dataSource, int waiters)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            await using var command = dataSource.CreateCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
            if ((long)(await command.ExecuteScalarAsync())! >= waiters)
            {
                return;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"{waiters} transactions did not queue behind the partition's creator.");
    }
}
