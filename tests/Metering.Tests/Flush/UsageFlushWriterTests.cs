using System.Diagnostics;
using System.Globalization;
using Metering.Domain.Usage;
using Metering.Persistence;
using Metering.Testing;
using Metering.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Xunit;

namespace Metering.Tests.Flush;

/// <summary>
/// UsageFlushWriter against the real PostgreSQL, each test in a new migrated database: idempotence by flush id, merging
/// of buckets shared by snapshots, first usages by COPY, partitions created on demand, and the redo with INSERT ... ON
/// CONFLICT when a key exists after all (another transaction inserted it first, or a wrong first-usage mark) or the
/// write deadlocks.
/// </summary>
public sealed class UsageFlushWriterTests : IAsyncLifetime
{
    private static readonly DateTime Hour = new(2031, 1, 15, 10, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime Now = new(2031, 1, 15, 12, 0, 0, DateTimeKind.Utc);
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(30);

    private string _database = null!;
    private NpgsqlDataSource _dataSource = null!;
    private UsageFlushWriter _writer = null!;

    public async Task InitializeAsync()
    {
        var connectionString = await TestInfrastructure.CreateDatabaseAsync();
        _database = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        _dataSource = NpgsqlDataSource.Create(connectionString);
        await new MigrationRunner(_dataSource, NullLogger<MigrationRunner>.Instance).MigrateAsync(CancellationToken.None);
        _writer = new UsageFlushWriter(_dataSource);
        await ExecuteAsync("INSERT INTO hosts (host_id, display_name, created_at) VALUES ('h1', 'h1', now()), ('h2', 'h2', now())");
    }

    public async Task DisposeAsync()
    {
        await _dataSource.DisposeAsync();
        await using var connection = new NpgsqlConnection(TestInfrastructure.Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_database} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task KeyInsertedByAnotherTransactionDuringWrite_WriteIsRedoneWithOnConflict_BothCountedOnce(bool markedFirstUsage)
    {
        // Marked as first usage the rows go in by COPY, else by the update-then-insert statement: both wait on k.
        var other = Row("h1", "m-k", Hour, 1000, 2000, 3000, 4000, 5000);
        var k = Row("h1", "m-k", Hour, 1, 2, 3, 4, 5) with { FirstUsage = markedFirstUsage };
        var a = Row("h1", "m-a", Hour, 10, 20, 30, 40, 50) with { FirstUsage = markedFirstUsage };
        var b = Row("h1", "m-k", Hour.AddHours(1), 7, 8, 9, 10, 11) with { FirstUsage = markedFirstUsage };

        var written = await WriteWhileOtherTransactionsInsertAsync([other], Snapshot("1790000000000001-fallback", k, a, b));

        Assert.Equal(3, written);
        Assert.Equal(Expected(Sum(other, k), a, b), await ReadRowsAsync());
        Assert.Equal(3, Assert.Single(await RecordedBucketsAsync("1790000000000001-fallback")));
    }

    [Fact]
    public async Task KeyInsertedByAnotherTransactionDuringWrite_AndSharedBySnapshots_IsMergedBeforeOnConflict()
    {
        // Unmerged, the redo's INSERT ... ON CONFLICT DO UPDATE would meet K twice and fail with 21000.
        var other = Row("h1", "m-k", Hour, 1000, 2000, 3000, 4000, 5000);
        var k1 = Row("h1", "m-k", Hour, 1, 2, 3, 4, 5);
        var k2 = Row("h1", "m-k", Hour, 100, 200, 300, 400, 500);
        var a = Row("h1", "m-a", Hour, 10, 20, 30, 40, 50);

        var written = await WriteWhileOtherTransactionsInsertAsync(
            [other],
            Snapshot("1790000000000001-first", k1, a),
            Snapshot("1790000000000002-second", k2));

        Assert.Equal(2, written);
        Assert.Equal(Expected(Sum(other, k1, k2), a), await ReadRowsAsync());
        Assert.Equal(2, Assert.Single(await RecordedBucketsAsync("1790000000000001-first")));
        Assert.Equal(1, Assert.Single(await RecordedBucketsAsync("1790000000000002-second")));
    }

    [Fact]
    public async Task KeysInsertedByOthersDuringWriteAndDuringRedo_RedoWaitsInsteadOfColliding()
    {
        // The first try collides with k1; the redo meets k2, inserted by a third transaction meanwhile. A redo with the
        // plain update-then-insert would collide again (23505, and there is no third try); ON CONFLICT waits and adds.
        var other1 = Row("h1", "m-k1", Hour, 1000, 2000, 3000, 4000, 5000);
        var other2 = Row("h1", "m-k2", Hour, 6000, 7000, 8000, 9000, 10000);
        var k1 = Row("h1", "m-k1", Hour, 1, 2, 3, 4, 5);
        var k2 = Row("h1", "m-k2", Hour, 6, 7, 8, 9, 10);
        var a = Row("h1", "m-k3", Hour, 10, 20, 30, 40, 50);

        var written = await WriteWhileOtherTransactionsInsertAsync([other1, other2], Snapshot("1790000000000001-twice", a, k2, k1));

        Assert.Equal(3, written);
        Assert.Equal(Expected(Sum(other1, k1), Sum(other2, k2), a), await ReadRowsAsync());
        Assert.Equal(3, Assert.Single(await RecordedBucketsAsync("1790000000000001-twice")));
    }

    [Fact]
    public async Task FirstUsageMarkOnARowThatExists_CostsARetryNotACount()
    {
        // The COPY of a marked row that exists fails with 23505; the redo adds to it with ON CONFLICT.
        var existing = Row("h1", "m-old", Hour, 1000, 2000, 3000, 4000, 5000);
        Assert.Equal(1, await _writer.WriteAsync([Snapshot("1790000000000000-before", existing)], Now, CancellationToken.None));
        var wrong = Row("h1", "m-old", Hour, 1, 2, 3, 4, 5) with { FirstUsage = true };
        var right = Row("h1", "m-new", Hour, 10, 20, 30, 40, 50) with { FirstUsage = true };
        var unmarked = Row("h1", "m-old", Hour.AddHours(1), 6, 7, 8, 9, 10);

        Assert.Equal(3, await _writer.WriteAsync([Snapshot("1790000000000001-hint", right, wrong, unmarked)], Now, CancellationToken.None));

        Assert.Equal(Expected(Sum(existing, wrong), right, unmarked), await ReadRowsAsync());
        Assert.Equal(3, Assert.Single(await RecordedBucketsAsync("1790000000000001-hint")));
    }

    [Fact]
    public async Task DeadlockWithAnotherTransaction_WriteIsRedoneAndCountedOnce()
    {
        // PostgreSQL aborts the backend whose deadlock_timeout (1 s, not settable without superuser) runs out first
        // once the cycle exists. The writer waits first so it is normally the one; if this machine stalled the other
        // transaction for a second, that one was aborted instead and the scenario is tried again on new keys.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            if (await TryDeadlockAsync(attempt))
            {
                return;
            }
        }

        Assert.Fail("In three tries the writer was never the deadlock victim.");
    }

    [Fact]
    public async Task SameSnapshotWrittenAgain_AddsNothingAndReturnsZero()
    {
        var k1 = Row("h1", "m1", Hour, 1, 2, 3, 4, 5);
        var k2 = Row("h1", "m2", Hour, 6, 7, 8, 9, 10);
        var snapshot = Snapshot("1790000000000001-once", k1, k2);
        Assert.Equal(2, await _writer.WriteAsync([snapshot], Now, CancellationToken.None));
        Assert.Equal(Expected(k1, k2), await ReadRowsAsync());

        Assert.Equal(0, await _writer.WriteAsync([snapshot], Now.AddSeconds(5), CancellationToken.None));
        Assert.Equal(Expected(k1, k2), await ReadRowsAsync());
        Assert.Equal(2, Assert.Single(await RecordedBucketsAsync("1790000000000001-once")));

        // Written again beside a new snapshot: only the new one adds.
        var next = Row("h1", "m1", Hour, 100, 200, 300, 400, 500);
        Assert.Equal(1, await _writer.WriteAsync([snapshot, Snapshot("1790000000000002-next", next)], Now.AddSeconds(10), CancellationToken.None));
        Assert.Equal(Expected(Sum(k1, next), k2), await ReadRowsAsync());
        Assert.Equal(2, Assert.Single(await RecordedBucketsAsync("1790000000000001-once")));
    }

    [Fact]
    public async Task TwoSnapshotsOfAHostSharingBuckets_AreSummedIntoOneRowPerBucket()
    {
        // Unmerged, the new bucket twice would make the plain INSERT collide with itself and the redo's ON CONFLICT
        // DO UPDATE fail with "cannot affect row a second time"; the existing bucket twice would be updated once only.
        var existing = Row("h1", "m-old", Hour, 1000, 2000, 3000, 4000, 5000);
        Assert.Equal(1, await _writer.WriteAsync([Snapshot("1790000000000000-before", existing)], Now, CancellationToken.None));
        var old1 = Row("h1", "m-old", Hour, 1, 2, 3, 4, 5);
        var new1 = Row("h1", "m-new", Hour, 10, 20, 30, 40, 50) with { FirstUsage = true };
        var only1 = Row("h1", "m-new", Hour.AddHours(-1), 1, 1, 1, 1, 1) with { FirstUsage = true };
        var old2 = Row("h1", "m-old", Hour, 100, 200, 300, 400, 500);
        var new2 = Row("h1", "m-new", Hour, 11, 21, 31, 41, 51);

        var written = await _writer.WriteAsync(
            [Snapshot("1790000000000001-first", new1, old1, only1), Snapshot("1790000000000002-second", old2, new2)],
            Now,
            CancellationToken.None);

        Assert.Equal(3, written);
        Assert.Equal(Expected(Sum(existing, old1, old2), Sum(new1, new2), only1), await ReadRowsAsync());
    }

    [Fact]
    public async Task ExistingAndNewBucketsOfSeveralHosts_ExistingAccumulateAndNewAreInserted()
    {
        // n1 is marked as a first usage (COPY), n2 is not (inserted by the update-then-insert statement).
        var e1 = Row("h1", "m1", Hour, 1000, 2000, 3000, 4000, 5000);
        var e2 = Row("h2", "m1", Hour, 7000, 8000, 9000, 10000, 11000);
        Assert.Equal(2, await _writer.WriteAsync([Snapshot("1790000000000000-h1", e1), Snapshot("1790000000000000-h2", e2)], Now, CancellationToken.None));

        var d1 = Row("h1", "m1", Hour, 1, 2, 3, 4, 5);
        var n1 = Row("h1", "m2", Hour, 10, 20, 30, 40, 50) with { FirstUsage = true };
        var d2 = Row("h2", "m1", Hour, 6, 7, 8, 9, 10);
        var n2 = Row("h2", "m1", Hour.AddHours(1), 60, 70, 80, 90, 100);
        var written = await _writer.WriteAsync(
            [Snapshot("1790000000000001-h1", n1, d1), Snapshot("1790000000000001-h2", n2, d2)],
            Now,
            CancellationToken.None);

        Assert.Equal(4, written);
        Assert.Equal(Expected(Sum(e1, d1), n1, Sum(e2, d2), n2), await ReadRowsAsync());
    }

    [Fact]
    public async Task RowsOfTwoMonths_LandInTheirMonthPartitions_CreatedOnDemand()
    {
        var december = Row("h1", "m-dec", new DateTime(2030, 12, 31, 23, 0, 0, DateTimeKind.Utc), 1, 2, 3, 4, 5);
        var january = Row("h1", "m-jan", new DateTime(2031, 1, 1, 0, 0, 0, DateTimeKind.Utc), 6, 7, 8, 9, 10);
        Assert.Null(await ScalarAsync("SELECT to_regclass('usage_hourly_2030_12')::text"));
        Assert.Null(await ScalarAsync("SELECT to_regclass('usage_hourly_2031_01')::text"));

        Assert.Equal(2, await _writer.WriteAsync([Snapshot("1790000000000001-months", january, december)], Now, CancellationToken.None));

        Assert.Equal(Expected(december, january), await ReadRowsAsync());
        Assert.Equal(
            ["m-dec usage_hourly_2030_12", "m-jan usage_hourly_2031_01"],
            await ReadStringsAsync("SELECT model || ' ' || tableoid::regclass::text FROM usage_hourly ORDER BY model"));
    }

    /// <summary>
    /// Each of <paramref name="others"/> is inserted by its own transaction and held uncommitted while the writer runs.
    /// Once the writer waits on the first one's lock, the next one is inserted and the first commits, and so on. The
    /// writer's plain INSERT fails with a unique violation at the first one (23505; without the redo WriteAsync throws
    /// that PostgresException); a redo with INSERT ... ON CONFLICT then waits for the next ones and adds to them all.
    /// </summary>
    private async Task<int> WriteWhileOtherTransactionsInsertAsync(UsageFlushRow[] others, params UsageFlushSnapshot[] snapshots)
    {
        foreach (var row in others)
        {
            await ExecuteAsync("SELECT usage_partition_for(@p0)", row.HourUtc);
        }

        var held = new List<(NpgsqlConnection Connection, NpgsqlTransaction Transaction)>();
        try
        {
            held.Add(await InsertUncommittedAsync(others[0]));
            var write = Task.Run(() => _writer.WriteAsync(snapshots, Now, CancellationToken.None));
            for (var i = 0; i < others.Length; i++)
            {
                await WaitUntilBlockedByAsync(held[i].Connection.ProcessID, write);
                if (i + 1 < others.Length)
                {
                    held.Add(await InsertUncommittedAsync(others[i + 1]));
                }

                await held[i].Transaction.CommitAsync();
            }

            return await write.WaitAsync(WaitLimit);
        }
        finally
        {
            foreach (var (connection, transaction) in held)
            {
                await transaction.DisposeAsync();
                await connection.DisposeAsync();
            }
        }
    }

    private async Task<(NpgsqlConnection Connection, NpgsqlTransaction Transaction)> InsertUncommittedAsync(UsageFlushRow row)
    {
        var connection = await _dataSource.OpenConnectionAsync();
        var transaction = await connection.BeginTransactionAsync();
        await InsertAsync(connection, transaction, row);
        return (connection, transaction);
    }

    /// <summary>
    /// The other transaction locks an existing row of the snapshot; the writer records its flush id and waits on that
    /// row; the other transaction then inserts the same flush id and so waits on the writer: a deadlock. Returns false
    /// when PostgreSQL chose the other transaction as the victim.
    /// </summary>
    private async Task<bool> TryDeadlockAsync(int attempt)
    {
        var model = "m-deadlock-" + attempt.ToString(CultureInfo.InvariantCulture);
        var flushId = "179000000000000" + attempt.ToString(CultureInfo.InvariantCulture) + "-deadlock";
        var existing = Row("h1", model, Hour, 1000, 2000, 3000, 4000, 5000);
        Assert.Equal(1, await _writer.WriteAsync([Snapshot("1780000000000000-before-" + model, existing)], Now, CancellationToken.None));
        var delta = Row("h1", model, Hour, 1, 2, 3, 4, 5);
        var added = Row("h1", model + "-new", Hour, 10, 20, 30, 40, 50);

        await using var other = await _dataSource.OpenConnectionAsync();
        await using var transaction = await other.BeginTransactionAsync();
        await using (var lockRow = new NpgsqlCommand("SELECT 1 FROM usage_hourly WHERE host_id = @h AND hour = @t AND model = @m FOR UPDATE", other, transaction))
        {
            lockRow.Parameters.AddWithValue("h", existing.HostId);
            lockRow.Parameters.AddWithValue("t", existing.HourUtc);
            lockRow.Parameters.AddWithValue("m", existing.Model);
            Assert.Equal(1, (int)(await lockRow.ExecuteScalarAsync())!);
        }

        var write = Task.Run(() => _writer.WriteAsync([Snapshot(flushId, delta, added)], Now, CancellationToken.None));
        await WaitUntilBlockedByAsync(other.ProcessID, write);
        await using var insertFlushId = new NpgsqlCommand("INSERT INTO usage_flushes (flush_id, host_id, buckets, flushed_at) VALUES (@id, 'h1', 0, now())", other, transaction);
        insertFlushId.Parameters.AddWithValue("id", flushId);
        try
        {
            await insertFlushId.ExecuteNonQueryAsync().WaitAsync(WaitLimit);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.DeadlockDetected)
        {
            await transaction.RollbackAsync();
            await write.WaitAsync(WaitLimit);
            return false;
        }

        // The insert could only proceed once the writer's first transaction was gone: aborted as the deadlock victim.
        await transaction.RollbackAsync();
        Assert.Equal(2, await write.WaitAsync(WaitLimit));
        Assert.Equal(Expected(Sum(existing, delta), added), await ReadRowsAsync(model + "%"));
        Assert.Equal(2, Assert.Single(await RecordedBucketsAsync(flushId)));
        return true;
    }

    /// <summary>Waits until a backend of this test's database waits on a lock held by <paramref name="blockerPid"/>.</summary>
    private async Task WaitUntilBlockedByAsync(int blockerPid, Task write)
    {
        await using var command = _dataSource.CreateCommand("""
            SELECT count(*) FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND @blocker = ANY (pg_blocking_pids(pid))
            """);
        command.Parameters.AddWithValue("blocker", blockerPid);
        var waiting = Stopwatch.StartNew();
        while ((long)(await command.ExecuteScalarAsync())! == 0)
        {
            if (write.IsCompleted)
            {
                await write;
                Assert.Fail("The write completed without waiting for the other transaction.");
            }

            if (waiting.Elapsed > WaitLimit)
            {
                Assert.Fail($"The write did not wait on the other transaction's lock within {WaitLimit}.");
            }

            await Task.Delay(10);
        }
    }

    private static UsageFlushRow Row(string host, string model, DateTime hour, long input, long output, long requests, long billed, long records)
        => new(host, model, hour, new UsageCounters(input, output, requests, billed, records));

    private static UsageFlushSnapshot Snapshot(string flushId, params UsageFlushRow[] rows) => new(flushId, rows[0].HostId, rows);

    private static UsageFlushRow Sum(UsageFlushRow first, params UsageFlushRow[] others)
    {
        var counters = first.Counters;
        foreach (var other in others)
        {
            Assert.Equal((first.HostId, first.Model, first.HourUtc), (other.HostId, other.Model, other.HourUtc));
            counters.Add(other.Counters);
        }

        return first with { Counters = counters };
    }

    private static string[] Expected(params UsageFlushRow[] rows)
        => rows.Select(r => Format(r.HostId, r.Model, r.HourUtc, r.Counters)).Order(StringComparer.Ordinal).ToArray();

    private static string Format(string host, string model, DateTime hour, UsageCounters c)
        => string.Create(CultureInfo.InvariantCulture, $"{host} {model} {hour:O} i={c.InputTokens} o={c.OutputTokens} r={c.Requests} b={c.BilledMicros} n={c.Records}");

    /// <summary>Every row of usage_hourly (of models LIKE <paramref name="models"/>), formatted like <see cref="Expected"/>.</summary>
    private async Task<string[]> ReadRowsAsync(string models = "%")
    {
        await using var command = _dataSource.CreateCommand("SELECT host_id, model, hour, input_tokens, output_tokens, requests, billed_micros, records FROM usage_hourly WHERE model LIKE @models");
        command.Parameters.AddWithValue("models", models);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            var counters = new UsageCounters(reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7));
            rows.Add(Format(reader.GetString(0), reader.GetString(1), reader.GetDateTime(2), counters));
        }

        return rows.Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>The bucket count of each usage_flushes row of the flush id (one element when recorded once).</summary>
    private async Task<int[]> RecordedBucketsAsync(string flushId)
    {
        await using var command = _dataSource.CreateCommand("SELECT buckets FROM usage_flushes WHERE flush_id = @id");
        command.Parameters.AddWithValue("id", flushId);
        await using var reader = await command.ExecuteReaderAsync();
        var buckets = new List<int>();
        while (await reader.ReadAsync())
        {
            buckets.Add(reader.GetInt32(0));
        }

        return [.. buckets];
    }

    private async Task<string[]> ReadStringsAsync(string sql)
    {
        await using var command = _dataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }

        return [.. values];
    }

    private async Task<object?> ScalarAsync(string sql)
    {
        await using var command = _dataSource.CreateCommand(sql);
        var value = await command.ExecuteScalarAsync();
        return value is DBNull ? null : value;
    }

    private async Task ExecuteAsync(string sql, params object[] parameters)
    {
        await using var command = _dataSource.CreateCommand(sql);
        for (var i = 0; i < parameters.Length; i++)
        {
            command.Parameters.AddWithValue("p" + i.ToString(CultureInfo.InvariantCulture), parameters[i]);
        }

        await command.ExecuteNonQueryAsync();
    }

    private static async Task InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, UsageFlushRow row)
    {
        await using var command = new NpgsqlCommand(
            "INSERT INTO usage_hourly (host_id, model, hour, input_tokens, output_tokens, requests, billed_micros, records) VALUES (@h, @m, @t, @i, @o, @r, @b, @n)",
            connection,
            transaction);
        command.Parameters.AddWithValue("h", row.HostId);
        command.Parameters.AddWithValue("m", row.Model);
        command.Parameters.AddWithValue("t", row.HourUtc);
        command.Parameters.AddWithValue("i", row.Counters.InputTokens);
        command.Parameters.AddWithValue("o", row.Counters.OutputTokens);
        command.Parameters.AddWithValue("r", row.Counters.Requests);
        command.Parameters.AddWithValue("b", row.Counters.BilledMicros);
        command.Parameters.AddWithValue("n", row.Counters.Records);
        await command.ExecuteNonQueryAsync();
    }
}
