using System.Diagnostics;
using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Metering.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Metering.Service;
using Metering.Service.Ingest;
using Metering.Testing;
using Metering.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Xunit;

namespace Metering.Tests.Ingest;

/// <summary>
/// docs/wire.md: no usage into a month whose statement is FINAL beyond the adjustment look-back. The service runs with
/// Ingest:MaxEventAge 200 days and Settlement:AdjustmentLookbackMonths 1, so with C the current UTC month a FINAL
/// statement of C−1 still takes late usage (as an adjustment on C) and one of C−2 or earlier does not. Statements
/// are written into the service's own PostgreSQL as the settlement service stores them.
/// </summary>
public sealed class PeriodFinalizedTests : IClassFixture<PeriodFinalizedTests.Fixture>
{
    private readonly Fixture _fixture;

    public PeriodFinalizedTests(Fixture fixture) => _fixture = fixture;

    public enum Statement
    {
        None,
        Draft,
        Final,
    }

    [Fact]
    public async Task StreamUsage_RecordInFinalMonthBeyondLookback_IsRejectedOnEventTime_AppliesNothing_AndTheStreamGoesOn()
    {
        var (hostId, key) = await NewHostAsync();
        await SetStatementAsync(hostId, monthsBack: 2, Statement.Final);

        var outcome = await IngestCalls.StreamAsync(_fixture.Channel, key, [
            IngestCalls.Batch("gw", 1, Rpc.Record("m", 100, at: In(monthsBack: 2))),
            IngestCalls.Batch("gw", 2, Rpc.Record("m", 7)),
        ]);

        Assert.Equal(StatusCode.OK, outcome.Status);
        Assert.Equal(2, outcome.Acks.Count);
        var violation = AssertRejected(outcome.Acks[0], 1, 0);
        Assert.Equal(
            $"{MonthText(2)} is settled (statement FINAL) and beyond the 1-month adjustment look-back; only {MonthText(1)} and later months are still adjusted",
            violation.Description);
        Assert.Equal(IngestResult.Accepted, outcome.Acks[1].Result);
        Assert.Equal(7, await TotalInputAsync(hostId));
    }

    [Theory]
    [InlineData(2, Statement.Draft)]
    [InlineData(2, Statement.None)]
    [InlineData(1, Statement.Final)]
    [InlineData(0, Statement.None)]
    public async Task RecordInMonthThatCanStillBeSettled_IsAccepted(int monthsBack, Statement statement)
    {
        var (hostId, key) = await NewHostAsync();
        await SetStatementAsync(hostId, monthsBack, statement);
        await SetStatementAsync(hostId, monthsBack + 1, Statement.Final);

        var outcome = await IngestCalls.StreamAsync(_fixture.Channel, key, [IngestCalls.Batch("gw", 1, Rpc.Record("m", 40, at: In(monthsBack)))]);

        Assert.Equal(StatusCode.OK, outcome.Status);
        var ack = Assert.Single(outcome.Acks);
        Assert.Equal(IngestResult.Accepted, ack.Result);
        Assert.Equal(1, ack.RecordsAccepted);
        Assert.Equal(40, await TotalInputAsync(hostId));
    }

    [Fact]
    public async Task BatchMixingGoodAndFinalizedRecords_IsRejectedWhole_ListingOnlyTheFinalizedOnes()
    {
        var (hostId, key) = await NewHostAsync();
        await SetStatementAsync(hostId, monthsBack: 1, Statement.Final);
        await SetStatementAsync(hostId, monthsBack: 2, Statement.Final);
        await SetStatementAsync(hostId, monthsBack: 3, Statement.Draft);
        var records = new[]
        {
            Rpc.Record("m", 1),
            Rpc.Record("m", 2, at: In(monthsBack: 2)),
            Rpc.Record("m", 4, at: In(monthsBack: 1)),
            Rpc.Record("m", 8, at: In(monthsBack: 3)),
            Rpc.Record("m", 16, at: In(monthsBack: 4)),
            Rpc.Record("m", 32, at: MonthStart(2)),
            Rpc.Record("m", 64, at: MonthStart(1).AddSeconds(-1)),
            Rpc.Record("m", 128, at: MonthStart(1)),
        };

        var outcome = await IngestCalls.StreamAsync(_fixture.Channel, key, [IngestCalls.Batch("gw", 1, records), IngestCalls.Batch("gw", 2, Rpc.Record("m", 1000))]);

        Assert.Equal(StatusCode.OK, outcome.Status);
        AssertRejected(outcome.Acks[0], 1, 1, 5, 6);
        Assert.Equal(IngestResult.Accepted, outcome.Acks[1].Result);
        Assert.Equal(1000, await TotalInputAsync(hostId));
    }

    [Fact]
    public async Task ReportUsage_RecordInFinalMonthBeyondLookback_IsRejected_AndDoesNotConsumeItsKey()
    {
        var (hostId, key) = await NewHostAsync();
        await SetStatementAsync(hostId, monthsBack: 3, Statement.Final);

        var rejected = await ReportAsync(key, "order-1", Rpc.Record("m", 5), Rpc.Record("m", 6, at: In(monthsBack: 3)));
        var accepted = await ReportAsync(key, "order-1", Rpc.Record("m", 5));

        Assert.Equal(IngestResult.Rejected, rejected.Result);
        Assert.Equal(0, rejected.RecordsAccepted);
        var violation = Assert.Single(rejected.Violations);
        Assert.Equal("records[1].event_time", violation.Field);
        Assert.Equal("PERIOD_FINALIZED", violation.Reason);
        Assert.Contains(MonthText(3), violation.Description, StringComparison.Ordinal);
        Assert.Equal(IngestResult.Accepted, accepted.Result);
        Assert.Equal(5, await TotalInputAsync(hostId));
    }

    [Fact]
    public async Task StatementFinalizedAfterAFirstCheck_IsEnforcedWithinTheCacheLifetime()
    {
        var (hostId, key) = await NewHostAsync();
        await SetStatementAsync(hostId, monthsBack: 2, Statement.Draft);
        var first = await ReportAsync(key, "before-final", Rpc.Record("m", 1, at: In(monthsBack: 2)));
        Assert.Equal(IngestResult.Accepted, first.Result);

        await SetStatementAsync(hostId, monthsBack: 2, Statement.Final);
        var finalized = Stopwatch.StartNew();
        var acceptedSince = 0;
        ReportUsageResponse response;
        while (true)
        {
            response = await ReportAsync(key, "after-final-" + acceptedSince, Rpc.Record("m", 1, at: In(monthsBack: 2)));
            if (response.Result != IngestResult.Accepted)
            {
                break;
            }

            acceptedSince++;
            Assert.True(finalized.Elapsed < FinalizedPeriodGuard.CacheLifetime + TimeSpan.FromSeconds(3), $"still accepted {finalized.Elapsed} after the statement became FINAL");
            await Task.Delay(200);
        }

        Assert.Equal(IngestResult.Rejected, response.Result);
        Assert.Equal("PERIOD_FINALIZED", Assert.Single(response.Violations).Reason);
        Assert.Equal(1 + acceptedSince, await TotalInputAsync(hostId));
    }

    [Fact]
    public async Task PostgresUnavailable_FailsOnlyBatchesThatNeedTheLookup_WithUnavailable_AndConsumesNothing()
    {
        var (hostId, key) = await NewHostAsync();
        Assert.Equal(IngestResult.Accepted, (await ReportAsync(key, "warm-up", Rpc.Record("m", 1))).Result);

        ReportUsageResponse withinLookback;
        RpcException unary;
        StreamOutcome stream;
        await using (await DatabaseOutageAsync())
        {
            withinLookback = await ReportAsync(key, "within", Rpc.Record("m", 10, at: In(monthsBack: 1)));
            unary = await Assert.ThrowsAsync<RpcException>(() => ReportAsync(key, "beyond", Rpc.Record("m", 100, at: In(monthsBack: 2))));
            stream = await IngestCalls.StreamAsync(_fixture.Channel, key, [
                IngestCalls.Batch("gw", 1, Rpc.Record("m", 1000)),
                IngestCalls.Batch("gw", 2, Rpc.Record("m", 10_000, at: In(monthsBack: 2))),
            ]);
        }

        Assert.Equal(IngestResult.Accepted, withinLookback.Result);
        Assert.Equal(StatusCode.Unavailable, unary.StatusCode);
        Assert.Equal(StatusCode.Unavailable, stream.Status);
        Assert.Equal(IngestResult.Accepted, Assert.Single(stream.Acks).Result);

        // Neither the key nor sequence 2 was consumed: both apply once PostgreSQL is back.
        Assert.Equal(IngestResult.Accepted, (await ReportAsync(key, "beyond", Rpc.Record("m", 100, at: In(monthsBack: 2)))).Result);
        var resumed = await IngestCalls.StreamAsync(_fixture.Channel, key, [IngestCalls.Batch("gw", 2, Rpc.Record("m", 10_000, at: In(monthsBack: 2)))]);
        Assert.Equal(IngestResult.Accepted, Assert.Single(resumed.Acks).Result);
        Assert.Equal(11_111, await TotalInputAsync(hostId));
    }

    [Theory]
    [InlineData("0", false)]
    [InlineData("25", false)]
    [InlineData("-1", false)]
    [InlineData("1", true)]
    [InlineData("24", true)]
    public void AdjustmentLookbackMonths_IsValidatedAtStart_NamingTheSetting(string months, bool valid)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Redis:Configuration"] = "127.0.0.1:6379",
            ["Postgres:ConnectionString"] = "Host=127.0.0.1",
            ["Settlement:AdjustmentLookbackMonths"] = months,
        }).Build();
        using var services = new ServiceCollection().AddLogging().AddMeteringService(configuration).BuildServiceProvider();
        var startup = services.GetRequiredService<IStartupValidator>();

        if (valid)
        {
            startup.Validate();
            Assert.Equal(int.Parse(months, CultureInfo.InvariantCulture), services.GetRequiredService<IOptions<AdjustmentLookbackOptions>>().Value.AdjustmentLookbackMonths);
        }
        else
        {
            var error = Assert.Throws<OptionsValidationException>(startup.Validate);
            Assert.Contains("Settlement:AdjustmentLookbackMonths must be between 1 and 24", error.Message, StringComparison.Ordinal);
        }
    }

    private Task<(string HostId, string Key)> NewHostAsync() => _fixture.NewHostAsync("final");

    private Task<ReportUsageResponse> ReportAsync(string key, string idempotencyKey, params UsageRecord[] records)
        => _fixture.Channel.Ingest().ReportUsageAsync(new ReportUsageRequest { IdempotencyKey = idempotencyKey, Records = { records } }, Rpc.As(key)).ResponseAsync;

    /// <summary>Everything counted for the host over the last eight months, read with the ADMIN key.</summary>
    private async Task<long> TotalInputAsync(string hostId)
    {
        var end = DateTime.UtcNow;
        end = new DateTime(end.Year, end.Month, end.Day, end.Hour, 0, 0, DateTimeKind.Utc).AddHours(2);
        var response = await _fixture.Channel.Usage().GetUsageAsync(
            new GetUsageRequest { StartTime = Timestamp.FromDateTime(MonthStart(8)), EndTime = Timestamp.FromDateTime(end), HostIds = { hostId }, Granularity = Granularity.Total },
            Rpc.As(MeteringServiceHost.AdminKey));
        return response.Rows.Sum(r => r.InputTokens);
    }

    /// <summary>
    /// Writes the host's statement of the month <paramref name="monthsBack"/> before the current one (with the
    /// agreement it needs), or makes its DRAFT FINAL. <see cref="Statement.None"/> writes nothing.
    /// </summary>
    private async Task SetStatementAsync(string hostId, int monthsBack, Statement status)
    {
        if (status == Statement.None)
        {
            return;
        }

        const string Sql = """
            INSERT INTO settlement_agreements (agreement_id, host_id, effective_month, currency, revenue_basis, created_at, updated_at, revision)
            SELECT 'ag_' || @Host, @Host, @Effective, 'USD', 'REPORTED', now(), now(), nextval('settlement_revision')
            WHERE NOT EXISTS (SELECT 1 FROM settlement_agreements WHERE agreement_id = 'ag_' || @Host);
            INSERT INTO settlement_statements (
                statement_id, host_id, period, status, agreement_id, agreement_revision, currency, revenue_basis, gross_revenue,
                share_amount, minimum_applied, period_amount_owed, amount_owed, has_unpriced_lines, computed_at, computed_revision,
                finalized_at, finalized_revision)
            SELECT 'st_' || @Host || '_' || @Period, @Host, @Period, @Status, a.agreement_id, a.revision, 'USD', 'REPORTED', 0,
                0, false, 0, 0, false, now(), nextval('settlement_revision'),
                CASE WHEN @Status = 'FINAL' THEN now() END, CASE WHEN @Status = 'FINAL' THEN nextval('settlement_revision') END
            FROM settlement_agreements a WHERE a.agreement_id = 'ag_' || @Host
            ON CONFLICT (host_id, period) DO UPDATE SET status = excluded.status, finalized_at = excluded.finalized_at, finalized_revision = excluded.finalized_revision;
            """;
        await using var connection = new NpgsqlConnection(Unpooled(_fixture.Service.Postgres));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(Sql, connection);
        command.Parameters.AddWithValue("Host", hostId);
        command.Parameters.AddWithValue("Effective", DateOnly.FromDateTime(MonthStart(12)));
        command.Parameters.AddWithValue("Period", DateOnly.FromDateTime(MonthStart(monthsBack)));
        command.Parameters.AddWithValue("Status", status == Statement.Final ? "FINAL" : "DRAFT");
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Refuses new connections to the service's database and ends its open ones, until disposed.</summary>
    private async Task<IAsyncDisposable> DatabaseOutageAsync()
    {
        var database = new NpgsqlConnectionStringBuilder(_fixture.Service.Postgres).Database!;
        await AdminSqlAsync($"ALTER DATABASE {database} WITH ALLOW_CONNECTIONS false", $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'");
        return new Outage(async () =>
        {
            await AdminSqlAsync($"ALTER DATABASE {database} WITH ALLOW_CONNECTIONS true");
            _fixture.Service.Services.GetRequiredService<NpgsqlDataSource>().Clear();
        });
    }

    private static async Task AdminSqlAsync(params string[] statements)
    {
        await using var connection = new NpgsqlConnection(Unpooled(TestInfrastructure.Postgres));
        await connection.OpenAsync();
        foreach (var sql in statements)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }
    }

    private static string Unpooled(string connectionString) => new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;

    /// <summary>Asserts a REJECTED ack with exactly one PERIOD_FINALIZED violation on each listed record; returns the first.</summary>
    private static FieldViolation AssertRejected(StreamUsageResponse ack, ulong sequence, params int[] indexes)
    {
        Assert.Equal(sequence, ack.Sequence);
        Assert.Equal(IngestResult.Rejected, ack.Result);
        Assert.Equal(0, ack.RecordsAccepted);
        Assert.Equal(indexes.Select(i => $"records[{i}].event_time"), ack.Violations.Select(v => v.Field));
        Assert.All(ack.Violations, v => Assert.Equal("PERIOD_FINALIZED", v.Reason));
        return ack.Violations[0];
    }

    private static DateTime MonthStart(int monthsBack)
    {
        var now = DateTime.UtcNow;
        return new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(-monthsBack);
    }

    /// <summary>An instant in the month <paramref name="monthsBack"/> before the current one (a minute ago for 0).</summary>
    private static DateTime In(int monthsBack) => monthsBack == 0 ? DateTime.UtcNow.AddMinutes(-1) : MonthStart(monthsBack).AddDays(9).AddHours(13);

    private static string MonthText(int monthsBack) => MonthStart(monthsBack).ToString("yyyy-MM", CultureInfo.InvariantCulture);

    public sealed class Fixture : MeteringServiceFixture
    {
        protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
        {
            ["Ingest:MaxEventAge"] = "200.00:00:00",
            ["Settlement:AdjustmentLookbackMonths"] = "1",
        };
    }

    private sealed class Outage(Func<Task> end) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await end();
    }
}
