using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Metering.Contracts.V1;
using Metering.Settlement.Tests.Infrastructure;
using Metering.Testing;
using Npgsql;

namespace Metering.Settlement.Tests.Integration;

/// <summary>DRAFT statements are replaced on every run; FINAL ones never change.</summary>
public sealed class FinalizationTests : SettlementTestBase
{
    [Fact]
    public async Task FinalStatement_IsUnchangedByLaterUsageAndRuns()
    {
        await SetUpHostAsync("india");
        var final = await Client.FinalizeAsync((await Client.RunOneAsync("2025-02", "india")).StatementId);
        Assert.Equal((StatementStatus.Final, SettlementTestBase.Now), (final.Status, final.FinalizedAt.ToDateTime()));

        await Service.AddUsageAsync("india", "m", At(2025, 2, 20, 0), requests: 1, billedMicros: 900_000_000);
        Service.Clock.Advance(TimeSpan.FromHours(1));
        var rerun = await Client.RunAsync("2025-02", "india");

        Assert.Empty(rerun.Statements);
        Assert.Equal(SettlementSkipReason.Final, Assert.Single(rerun.Skipped).Reason);
        Assert.Equal(final, await Client.GetAsync("india", "2025-02"));
        Assert.Equal(final, await Client.FinalizeAsync(final.StatementId));
    }

    [Fact]
    public async Task Rerun_ReplacesDraftExactly()
    {
        await SetUpHostAsync("kilo");
        var first = await Client.RunOneAsync("2025-02", "kilo");
        await Service.AddUsageAsync("kilo", "other", At(2025, 2, 21, 0), requests: 1, billedMicros: 5_000_000);
        Service.Clock.Advance(TimeSpan.FromMinutes(5));

        var second = await Client.RunOneAsync("2025-02", "kilo");

        Assert.Equal(first.StatementId, second.StatementId);
        Assert.Equal(["m", "other"], second.Lines.Select(l => l.Model));
        Assert.Equal(("105.000000", "10.50"), (second.GrossRevenue, second.AmountOwed));
        Assert.Equal(SettlementTestBase.Now.AddMinutes(5), second.ComputedAt.ToDateTime());
        Assert.Equal(second, await Client.GetAsync("kilo", "2025-02"));
        var listed = (await Client.ListStatementsAsync(new ListStatementsRequest { HostIds = { "kilo" } }, SettlementRpc.Admin)).Statements;
        Assert.Equal(second, Assert.Single(listed));
    }

    [Fact]
    public async Task RerunWithoutChanges_GivesIdenticalStatement()
    {
        await SetUpHostAsync("lima");
        var first = await Client.RunOneAsync("2025-02", "lima");

        var second = await Client.RunOneAsync("2025-02", "lima");

        Assert.Equal(first, second);
    }

    [Fact]
    public async Task MonthInProgress_GivesDraftThatCannotBeFinalized()
    {
        await SetUpHostAsync("mike");
        await Service.AddUsageAsync("mike", "m", At(2025, 4, 9, 0), requests: 1, billedMicros: 30_000_000);
        var draft = await Client.RunOneAsync("2025-04", "mike");
        Assert.Equal("3.00", draft.AmountOwed);

        var ex = await Assert.ThrowsAsync<RpcException>(() => Client.FinalizeAsync(draft.StatementId));

        Assert.Equal(StatusCode.FailedPrecondition, ex.StatusCode);
        Assert.Contains("has not ended", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MonthNotStarted_IsInvalidArgumentNamingPeriod()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => Client.RunAsync("2025-05"));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal(["period"], Calls.ViolatedFields(ex));
    }

    [Fact]
    public async Task ExpectedComputedAt_MustMatchLastComputation()
    {
        await SetUpHostAsync("november");
        var draft = await Client.RunOneAsync("2025-02", "november");

        var stale = await Assert.ThrowsAsync<RpcException>(() => Client.FinalizeAsync(draft.StatementId, expectedComputedAt: Timestamp.FromDateTime(SettlementTestBase.Now.AddSeconds(-1))));
        var final = await Client.FinalizeAsync(draft.StatementId, expectedComputedAt: draft.ComputedAt);

        Assert.Equal(StatusCode.FailedPrecondition, stale.StatusCode);
        Assert.Equal(StatementStatus.Final, final.Status);
    }

    [Fact]
    public async Task AgreementReplacedAfterRun_RefusesFinalizeUntilRerun()
    {
        await SetUpHostAsync("oscar");
        var draft = await Client.RunOneAsync("2025-02", "oscar");
        await Client.UpsertAsync(Agreements.Reported("oscar", "2025-01", "USD", "", ("0", "20")));

        var ex = await Assert.ThrowsAsync<RpcException>(() => Client.FinalizeAsync(draft.StatementId));
        var rerun = await Client.RunOneAsync("2025-02", "oscar");
        var final = await Client.FinalizeAsync(rerun.StatementId);

        Assert.Equal(StatusCode.FailedPrecondition, ex.StatusCode);
        Assert.Contains("agreement", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(("20.00", StatementStatus.Final), (final.AmountOwed, final.Status));
    }

    [Fact]
    public async Task DraftComputedBeforeAnotherFinalization_MustBeRerunBeforeFinalize()
    {
        await SetUpHostAsync("papa");
        var february = await Client.RunOneAsync("2025-02", "papa");
        var march = await Client.RunOneAsync("2025-03", "papa");
        await Client.FinalizeAsync(february.StatementId);

        var ex = await Assert.ThrowsAsync<RpcException>(() => Client.FinalizeAsync(march.StatementId));
        var final = await Client.FinalizeAsync((await Client.RunOneAsync("2025-03", "papa")).StatementId);

        Assert.Equal(StatusCode.FailedPrecondition, ex.StatusCode);
        Assert.Equal(StatementStatus.Final, final.Status);
    }

    [Fact]
    public async Task AgreementForFinalizedMonth_IsFailedPreconditionNamingEffectiveMonth()
    {
        await SetUpHostAsync("quebec");
        await Client.FinalizeAsync((await Client.RunOneAsync("2025-02", "quebec")).StatementId);

        var sameMonth = await Assert.ThrowsAsync<RpcException>(() => Client.UpsertAsync(Agreements.Reported("quebec", "2025-02", "USD", "", ("0", "50"))));
        var earlier = await Assert.ThrowsAsync<RpcException>(() => Client.UpsertAsync(Agreements.Reported("quebec", "2025-01", "USD", "", ("0", "50"))));
        var later = await Client.UpsertAsync(Agreements.Reported("quebec", "2025-03", "USD", "", ("0", "50")));

        Assert.Equal(StatusCode.FailedPrecondition, sameMonth.StatusCode);
        Assert.Equal(["agreement.effective_month"], Calls.ViolatedFields(sameMonth));
        Assert.Equal(StatusCode.FailedPrecondition, earlier.StatusCode);
        Assert.True(later.Created);
    }

    [Fact]
    public async Task FinalRows_AreProtectedByTheDatabaseToo()
    {
        await SetUpHostAsync("romeo");
        var final = await Client.FinalizeAsync((await Client.RunOneAsync("2025-02", "romeo")).StatementId);
        await using var connection = new NpgsqlConnection(Service.Postgres);
        await connection.OpenAsync();

        foreach (var sql in new[]
        {
            "UPDATE settlement_statements SET amount_owed = 0 WHERE statement_id = @Id",
            "DELETE FROM settlement_statement_lines WHERE statement_id = @Id",
            "UPDATE settlement_share_tiers SET share_percent = 1 WHERE agreement_id = (SELECT agreement_id FROM settlement_statements WHERE statement_id = @Id)",
        })
        {
            await using var command = new NpgsqlCommand(sql, connection);
            command.Parameters.AddWithValue("Id", final.StatementId);
            var ex = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
            Assert.Equal("SF001", ex.SqlState);
        }

        Assert.Equal(final, await Client.GetAsync("romeo", "2025-02"));
    }

    [Fact]
    public async Task UnknownStatementOrHost_IsNotFound()
    {
        var statement = await Assert.ThrowsAsync<RpcException>(() => Client.FinalizeAsync("st_0000000000000000"));
        var host = await Assert.ThrowsAsync<RpcException>(() => Client.RunAsync("2025-02", "no-such-host"));
        var get = await Assert.ThrowsAsync<RpcException>(() => Client.GetAsync("no-such-host", "2025-02"));

        Assert.Equal([StatusCode.NotFound, StatusCode.NotFound, StatusCode.NotFound], new[] { statement.StatusCode, host.StatusCode, get.StatusCode });
    }

    private async Task SetUpHostAsync(string hostId)
    {
        await Service.CreateHostAsync(hostId);
        await Client.UpsertAsync(Agreements.Reported(hostId, "2025-01", "USD", "", ("0", "10")));
        await Service.AddUsageAsync(hostId, "m", At(2025, 2, 10, 0), requests: 1, billedMicros: 100_000_000);
    }
}
