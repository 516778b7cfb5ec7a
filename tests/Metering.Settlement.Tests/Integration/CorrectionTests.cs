using Grpc.Core;
using Metering.Contracts.V1;
using Metering.Settlement.Tests.Infrastructure;
using Metering.Testing;
using Npgsql;

namespace Metering.Settlement.Tests.Integration;

/// <summary>
/// Usage corrections and disputes against the real service and database: golden statements worked out by hand
/// (REPORTED basis, so a line's gross is its billed amount), the below-zero refusal, the dispute flow and the
/// database's own guard.
/// </summary>
public sealed class CorrectionTests : SettlementTestBase
{
    [Fact]
    public async Task CorrectionOfDraftMonth_IsInItsUsageLine()
    {
        // 100 USD billed in February at 10 %; billing takes 40 USD off: 60 USD gross, 6.00 owed.
        await SetUpHostAsync("co-draft", ("0", "10"));
        var correction = await ProposeAsync(Admin, "co-draft", "2025-02", billedMicros: -40_000_000);
        Assert.Equal(CorrectionState.Approved, correction.State);

        var statement = await Client.RunOneAsync("2025-02", "co-draft");

        var line = Assert.Single(statement.Lines);
        Assert.Equal((StatementLineKind.Usage, 60_000_000L, "60.000000"), (line.Kind, line.BilledMicros, line.GrossRevenue));
        Assert.Equal([correction.CorrectionId], line.CorrectionIds);
        Assert.Equal("6.00", statement.AmountOwed);
        Assert.Equal(statement, await Client.GetAsync("co-draft", "2025-02"));
    }

    [Fact]
    public async Task CorrectionOfFinalMonth_IsAnAdjustmentOnTheNextStatement()
    {
        // February settled FINAL at 100 USD (10.00 owed). The host proposes -30 USD, billing approves; March has no
        // usage of its own, so March's statement is the adjustment alone: -30 USD gross, -3.00 owed.
        await SetUpHostAsync("co-final", ("0", "10"));
        var february = await Client.FinalizeAsync((await Client.RunOneAsync("2025-02", "co-final")).StatementId);
        var host = Calls.As(await Service.CreateKeyAsync("HOST", "co-final"));
        var proposed = await ProposeAsync(host, "co-final", "2025-02", billedMicros: -30_000_000);
        Assert.Equal((CorrectionState.Proposed, "HOST"), (proposed.State, proposed.ProposedByRole));

        var approved = (await Corrections.ApproveCorrectionAsync(new ApproveCorrectionRequest { CorrectionId = proposed.CorrectionId }, Admin)).Correction;
        var march = await Client.RunOneAsync("2025-03", "co-final");

        Assert.Equal(CorrectionState.Approved, approved.State);
        Assert.Equal(february, await Client.GetAsync("co-final", "2025-02"));
        var line = Assert.Single(march.Lines);
        Assert.Equal((StatementLineKind.Adjustment, "2025-02", -30_000_000L, "-30.000000"), (line.Kind, line.CorrectsPeriod, line.BilledMicros, line.GrossRevenue));
        Assert.Equal([proposed.CorrectionId], line.CorrectionIds);
        Assert.Equal("-3.00", march.AmountOwed);
    }

    [Fact]
    public async Task NegativeCorrection_CrossesTierBoundaryDownwards()
    {
        // 150 USD at 10 % to 100 USD, 20 % above: 10.00 + 10.00 = 20.00. Minus 60 USD leaves 90 USD, all in the
        // first tier: 9.00.
        await SetUpHostAsync("co-tier", ("0", "10"), ("100", "20"));
        await Service.AddUsageAsync("co-tier", "m", At(2025, 2, 11, 0), requests: 1, billedMicros: 50_000_000);
        Assert.Equal("20.00", (await Client.RunOneAsync("2025-02", "co-tier")).AmountOwed);

        await ProposeAsync(Admin, "co-tier", "2025-02", billedMicros: -60_000_000);
        var statement = await Client.RunOneAsync("2025-02", "co-tier");

        Assert.Equal(("90.000000", "9.00"), (statement.GrossRevenue, statement.AmountOwed));
        Assert.Equal(1, statement.TierApplications.Count(t => decimal.Parse(t.BaseAmount, System.Globalization.CultureInfo.InvariantCulture) > 0));
    }

    [Fact]
    public async Task CorrectionBelowZero_IsRefusedNamingTheFieldAndStoresNothing()
    {
        await SetUpHostAsync("co-neg", ("0", "10"));

        var ex = await Assert.ThrowsAsync<RpcException>(() => ProposeAsync(Admin, "co-neg", "2025-02", billedMicros: -100_000_001));

        Assert.Equal(StatusCode.FailedPrecondition, ex.StatusCode);
        Assert.Equal(["correction.billed_micros"], Calls.ViolatedFields(ex));
        Assert.Equal("CORRECTED_TOTAL_NEGATIVE", Assert.Single(Calls.Violations(ex)).Reason);
        var listed = await Corrections.ListCorrectionsAsync(new ListCorrectionsRequest { HostId = "co-neg" }, Admin);
        Assert.Empty(listed.Corrections);
    }

    [Fact]
    public async Task CorrectionOfFinalMonthBeyondTheLookback_IsRefusedNamingThePeriod()
    {
        // February FINAL: the next statement is March's, which carries adjustments of December to February (look-back
        // of 3 months). November would never be carried, so it is refused and nothing is stored.
        await SetUpHostAsync("co-window", ("0", "10"));
        await Client.FinalizeAsync((await Client.RunOneAsync("2025-02", "co-window")).StatementId);

        var ex = await Assert.ThrowsAsync<RpcException>(() => ProposeAsync(Admin, "co-window", "2024-11", billedMicros: 1_000_000));
        var december = await ProposeAsync(Admin, "co-window", "2024-12", billedMicros: 1_000_000);

        Assert.Equal(StatusCode.FailedPrecondition, ex.StatusCode);
        var violation = Assert.Single(Calls.Violations(ex));
        Assert.Equal(("correction.period", "OUTSIDE_ADJUSTMENT_WINDOW"), (violation.Field, violation.Reason));
        Assert.Contains("2024-11 is FINAL and more than 3 month(s) before the host's next statement (2025-03)", violation.Description, StringComparison.Ordinal);
        Assert.Equal(CorrectionState.Approved, december.State);
        var listed = await Corrections.ListCorrectionsAsync(new ListCorrectionsRequest { HostId = "co-window" }, Admin);
        Assert.Equal([december.CorrectionId], listed.Corrections.Select(c => c.CorrectionId));
    }

    [Fact]
    public async Task Dispute_IsResolvedByAProposedCorrection_ThatIsApprovedWithIt()
    {
        await SetUpHostAsync("co-dispute", ("0", "10"));
        var february = await Client.FinalizeAsync((await Client.RunOneAsync("2025-02", "co-dispute")).StatementId);
        var host = Calls.As(await Service.CreateKeyAsync("HOST", "co-dispute"));

        var dispute = (await Corrections.DisputeStatementAsync(new DisputeStatementRequest
        {
            StatementId = february.StatementId,
            Lines = { new StatementLineRef { Model = "m" } },
            Message = "Our gateway double-reported 10 USD on the 10th.",
        }, host)).Dispute;
        var acknowledge = await Assert.ThrowsAsync<RpcException>(() => Corrections.AcknowledgeStatementAsync(new AcknowledgeStatementRequest { StatementId = february.StatementId }, host).ResponseAsync);
        var proposed = await ProposeAsync(host, "co-dispute", "2025-02", billedMicros: -10_000_000);
        var resolved = await Corrections.ResolveDisputeAsync(new ResolveDisputeRequest { DisputeId = dispute.DisputeId, CorrectionId = proposed.CorrectionId }, Admin);

        Assert.Equal(DisputeState.Open, dispute.State);
        Assert.Equal(StatusCode.FailedPrecondition, acknowledge.StatusCode);
        Assert.Equal((DisputeState.Resolved, proposed.CorrectionId), (resolved.Dispute.State, resolved.Dispute.CorrectionId));
        Assert.Equal(CorrectionState.Approved, resolved.Correction.State);
        var listed = await Corrections.ListDisputesAsync(new ListDisputesRequest { State = DisputeState.Resolved }, host);
        Assert.Equal([dispute.DisputeId], listed.Disputes.Select(d => d.DisputeId));
        var march = await Client.RunOneAsync("2025-03", "co-dispute");
        Assert.Equal([proposed.CorrectionId], Assert.Single(march.Lines).CorrectionIds);
        var again = await Assert.ThrowsAsync<RpcException>(() => Corrections.ResolveDisputeAsync(new ResolveDisputeRequest { DisputeId = dispute.DisputeId, RejectionReason = "no" }, Admin).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, again.StatusCode);
    }

    [Fact]
    public async Task HostKey_CannotApproveNorTouchAnotherHost()
    {
        await SetUpHostAsync("co-role", ("0", "10"));
        await Service.CreateHostAsync("co-other");
        var host = Calls.As(await Service.CreateKeyAsync("HOST", "co-role"));
        var proposed = await ProposeAsync(host, "co-role", "2025-02", billedMicros: -1_000_000);

        var approve = await Assert.ThrowsAsync<RpcException>(() => Corrections.ApproveCorrectionAsync(new ApproveCorrectionRequest { CorrectionId = proposed.CorrectionId }, host).ResponseAsync);
        var other = await Assert.ThrowsAsync<RpcException>(() => ProposeAsync(host, "co-other", "2025-02", billedMicros: 1));

        Assert.Equal(StatusCode.PermissionDenied, approve.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, other.StatusCode);
    }

    [Fact]
    public async Task ApprovedCorrection_CannotBeChangedOrDeletedInTheDatabase()
    {
        await SetUpHostAsync("co-guard", ("0", "10"));
        var correction = await ProposeAsync(Admin, "co-guard", "2025-02", billedMicros: -1_000_000);

        await using var connection = new NpgsqlConnection(Service.Postgres);
        await connection.OpenAsync();
        foreach (var sql in new[]
        {
            "UPDATE usage_corrections SET billed_micros = -2000000 WHERE correction_id = @Id",
            "UPDATE usage_corrections SET state = 'DECLINED' WHERE correction_id = @Id",
            "DELETE FROM usage_corrections WHERE correction_id = @Id",
        })
        {
            await using var command = new NpgsqlCommand(sql, connection);
            command.Parameters.AddWithValue("Id", correction.CorrectionId);
            var ex = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
            Assert.Equal("SF002", ex.SqlState);
        }
    }

    [Fact]
    public async Task MalformedCorrection_NamesEachField()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => Corrections.ProposeCorrectionAsync(new ProposeCorrectionRequest
        {
            Correction = new CorrectionInput { HostId = "Bad_Host", Model = "*", Period = "2025-13", ReasonCode = CorrectionReason.Unspecified },
        }, Admin).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal(
            ["correction.host_id", "correction.model", "correction.period", "correction.input_tokens", "correction.reason_code", "correction.reason"],
            Calls.ViolatedFields(ex));
    }


    private static CallOptions Admin => SettlementRpc.Admin;

    private CorrectionService.CorrectionServiceClient Corrections => new(Service.CreateChannel());

    private async Task<Correction> ProposeAsync(CallOptions options, string hostId, string period, long billedMicros)
        => (await Corrections.ProposeCorrectionAsync(new ProposeCorrectionRequest
        {
            Correction = new CorrectionInput
            {
                HostId = hostId,
                Model = "m",
                Period = period,
                BilledMicros = billedMicros,
                ReasonCode = CorrectionReason.Refund,
                Reason = "refund to a customer",
            },
        }, options)).Correction;

    private async Task SetUpHostAsync(string hostId, params (string From, string Percent)[] tiers)
    {
        await Service.CreateHostAsync(hostId);
        await Client.UpsertAsync(Agreements.Reported(hostId, "2025-01", "USD", "", tiers));
        await Service.AddUsageAsync(hostId, "m", At(2025, 2, 10, 0), requests: 1, billedMicros: 100_000_000);
    }
}
