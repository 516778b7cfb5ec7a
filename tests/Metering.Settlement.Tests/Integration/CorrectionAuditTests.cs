using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Metering.Contracts.V1;
using Metering.Persistence.Audit;
using Metering.Settlement.Tests.Infrastructure;
using Metering.Testing;
using Npgsql;

namespace Metering.Settlement.Tests.Integration;

/// <summary>
/// Every change CorrectionService makes writes exactly one audit event in its own transaction, with the caller as
/// actor: "correction.propose" (HOST) or "correction.create" (BILLING/ADMIN), "correction.approve", "correction.decline"
/// (target "correction"), "statement.acknowledge" (target "statement"), "statement.dispute", "dispute.resolve",
/// "dispute.reject" (target "dispute"). Resolving a dispute with a PROPOSED correction approves it in the same
/// transaction, so it writes "correction.approve" and "dispute.resolve" together. A refused or repeated change writes
/// none.
/// </summary>
public sealed class CorrectionAuditTests : SettlementTestBase, IDisposable
{
    private GrpcChannel? _channel;

    [Fact]
    public async Task ProposeCorrection_WritesOneEvent_ProposeForAHostKey_CreateForBilling()
    {
        await SetUpHostAsync("ca-propose");
        var hostSecret = await Service.CreateKeyAsync("HOST", "ca-propose");
        var billingSecret = await Service.CreateKeyAsync("BILLING");
        var proposedAt = Service.Clock.GetUtcNow().UtcDateTime;
        var proposed = await ProposeAsync(Calls.As(hostSecret), "ca-propose", billedMicros: -10_000_000);
        Service.Clock.Advance(TimeSpan.FromMinutes(5));
        var createdAt = Service.Clock.GetUtcNow().UtcDateTime;
        var created = await ProposeAsync(Calls.As(billingSecret), "ca-propose", billedMicros: -20_000_000, requests: -1);

        var propose = Assert.Single(await AuditTrail.ForTargetAsync(Service.Postgres, "correction", proposed.CorrectionId));
        var create = Assert.Single(await AuditTrail.ForTargetAsync(Service.Postgres, "correction", created.CorrectionId));

        Assert.Equal(("correction.propose", KeyIdOf(hostSecret), "HOST", "ca-propose", proposedAt), (propose.Action, propose.ActorKeyId, propose.ActorRole, propose.HostId, propose.OccurredAt));
        Assert.False(propose.Summary().TryGetProperty("before", out _));
        var after = propose.Summary().GetProperty("after");
        Assert.Equal(
            (proposed.CorrectionId, "ca-propose", "m", "2025-02", "2025-02-01T00:00:00.000000Z", "2025-03-01T00:00:00.000000Z"),
            (Text(after, "correction_id"), Text(after, "host_id"), Text(after, "model"), Text(after, "period"), Text(after, "from_hour"), Text(after, "to_hour")));
        Assert.Equal((0L, 0L, 0L, -10_000_000L), (after.GetProperty("input_tokens").GetInt64(), after.GetProperty("output_tokens").GetInt64(), after.GetProperty("requests").GetInt64(), after.GetProperty("billed_micros").GetInt64()));
        Assert.Equal(("REFUND", "refund to a customer", "PROPOSED", KeyIdOf(hostSecret)), (Text(after, "reason_code"), Text(after, "reason"), Text(after, "state"), Text(after, "proposed_by_key_id")));
        Assert.Equal(JsonValueKind.Null, after.GetProperty("decision_reason").ValueKind);

        Assert.Equal(("correction.create", KeyIdOf(billingSecret), "BILLING", "ca-propose", createdAt), (create.Action, create.ActorKeyId, create.ActorRole, create.HostId, create.OccurredAt));
        Assert.False(create.Summary().TryGetProperty("before", out _));
        var createdAfter = create.Summary().GetProperty("after");
        Assert.Equal(("APPROVED", KeyIdOf(billingSecret)), (Text(createdAfter, "state"), Text(createdAfter, "proposed_by_key_id")));
        Assert.Equal((-1L, -20_000_000L), (createdAfter.GetProperty("requests").GetInt64(), createdAfter.GetProperty("billed_micros").GetInt64()));
    }

    [Fact]
    public async Task ApproveCorrection_WritesOneEvent_FromProposedToApproved_ARepeatWritesNone()
    {
        await SetUpHostAsync("ca-approve");
        var host = Calls.As(await Service.CreateKeyAsync("HOST", "ca-approve"));
        var billingSecret = await Service.CreateKeyAsync("BILLING");
        var proposed = await ProposeAsync(host, "ca-approve", billedMicros: -30_000_000);
        Service.Clock.Advance(TimeSpan.FromMinutes(5));
        var approvedAt = Service.Clock.GetUtcNow().UtcDateTime;

        var approved = (await Corrections.ApproveCorrectionAsync(new ApproveCorrectionRequest { CorrectionId = proposed.CorrectionId }, Calls.As(billingSecret))).Correction;
        Service.Clock.Advance(TimeSpan.FromMinutes(5));
        var again = (await Corrections.ApproveCorrectionAsync(new ApproveCorrectionRequest { CorrectionId = proposed.CorrectionId }, Admin)).Correction;

        Assert.Equal(approved, again);
        var events = await AuditTrail.ForTargetAsync(Service.Postgres, "correction", proposed.CorrectionId);
        Assert.Equal(["correction.propose", "correction.approve"], events.Select(e => e.Action));
        var approve = events[1];
        Assert.Equal((KeyIdOf(billingSecret), "BILLING", "ca-approve", approvedAt), (approve.ActorKeyId, approve.ActorRole, approve.HostId, approve.OccurredAt));
        var before = approve.Summary().GetProperty("before");
        var after = approve.Summary().GetProperty("after");
        Assert.Equal(("PROPOSED", "APPROVED"), (Text(before, "state"), Text(after, "state")));
        Assert.Equal((-30_000_000L, -30_000_000L), (before.GetProperty("billed_micros").GetInt64(), after.GetProperty("billed_micros").GetInt64()));
        Assert.Equal((proposed.CorrectionId, proposed.ProposedByKeyId), (Text(after, "correction_id"), Text(after, "proposed_by_key_id")));
    }

    [Fact]
    public async Task DeclineCorrection_WritesOneEvent_WithTheReasonAfter_ARepeatWritesNone()
    {
        await SetUpHostAsync("ca-decline");
        var host = Calls.As(await Service.CreateKeyAsync("HOST", "ca-decline"));
        var adminSecret = await Service.CreateKeyAsync("ADMIN");
        var proposed = await ProposeAsync(host, "ca-decline", billedMicros: -5_000_000);
        Service.Clock.Advance(TimeSpan.FromMinutes(5));
        var declinedAt = Service.Clock.GetUtcNow().UtcDateTime;

        var declined = (await Corrections.DeclineCorrectionAsync(new DeclineCorrectionRequest { CorrectionId = proposed.CorrectionId, Reason = "no refund was made" }, Calls.As(adminSecret))).Correction;
        var again = (await Corrections.DeclineCorrectionAsync(new DeclineCorrectionRequest { CorrectionId = proposed.CorrectionId, Reason = "still no" }, Admin)).Correction;

        Assert.Equal(declined, again);
        var events = await AuditTrail.ForTargetAsync(Service.Postgres, "correction", proposed.CorrectionId);
        Assert.Equal(["correction.propose", "correction.decline"], events.Select(e => e.Action));
        var decline = events[1];
        Assert.Equal((KeyIdOf(adminSecret), "ADMIN", "ca-decline", declinedAt), (decline.ActorKeyId, decline.ActorRole, decline.HostId, decline.OccurredAt));
        var before = decline.Summary().GetProperty("before");
        var after = decline.Summary().GetProperty("after");
        Assert.Equal(("PROPOSED", "DECLINED"), (Text(before, "state"), Text(after, "state")));
        Assert.Equal(JsonValueKind.Null, before.GetProperty("decision_reason").ValueKind);
        Assert.Equal("no refund was made", Text(after, "decision_reason"));
    }

    [Fact]
    public async Task RefusedCorrectionChanges_WriteNoEvent()
    {
        // 100 USD counted; an approved -50 USD leaves 50 USD to take off.
        await SetUpHostAsync("ca-refused");
        await Service.CreateHostAsync("ca-refused-other");
        var host = Calls.As(await Service.CreateKeyAsync("HOST", "ca-refused"));
        var pending = await ProposeAsync(host, "ca-refused", billedMicros: -60_000_000);
        var approved = await ProposeAsync(Admin, "ca-refused", billedMicros: -50_000_000);
        var declined = await ProposeAsync(host, "ca-refused", billedMicros: -1_000_000);
        await Corrections.DeclineCorrectionAsync(new DeclineCorrectionRequest { CorrectionId = declined.CorrectionId, Reason = "no" }, Admin);
        var trail = await AuditTrail.ReadAsync(Service.Postgres);

        var refusals = new[]
        {
            await StatusOfAsync(() => ProposeAsync(Admin, "ca-refused", billedMicros: -50_000_001)),
            await StatusOfAsync(() => Corrections.ApproveCorrectionAsync(new ApproveCorrectionRequest { CorrectionId = pending.CorrectionId }, Admin).ResponseAsync),
            await StatusOfAsync(() => Corrections.ApproveCorrectionAsync(new ApproveCorrectionRequest { CorrectionId = pending.CorrectionId }, host).ResponseAsync),
            await StatusOfAsync(() => Corrections.ApproveCorrectionAsync(new ApproveCorrectionRequest { CorrectionId = declined.CorrectionId }, Admin).ResponseAsync),
            await StatusOfAsync(() => Corrections.DeclineCorrectionAsync(new DeclineCorrectionRequest { CorrectionId = approved.CorrectionId, Reason = "too late" }, Admin).ResponseAsync),
            await StatusOfAsync(() => ProposeAsync(host, "ca-refused-other", billedMicros: 1)),
            await StatusOfAsync(() => ProposeAsync(Admin, "ca-nobody", billedMicros: 1)),
            await StatusOfAsync(() => Corrections.ApproveCorrectionAsync(new ApproveCorrectionRequest { CorrectionId = "co_0000000000000000" }, Admin).ResponseAsync),
        };

        Assert.Equal(
            [
                StatusCode.FailedPrecondition, StatusCode.FailedPrecondition, StatusCode.PermissionDenied, StatusCode.FailedPrecondition,
                StatusCode.FailedPrecondition, StatusCode.PermissionDenied, StatusCode.NotFound, StatusCode.NotFound,
            ],
            refusals);
        Assert.Equal(trail, await AuditTrail.ReadAsync(Service.Postgres));
        var states = (await Corrections.ListCorrectionsAsync(new ListCorrectionsRequest { HostId = "ca-refused" }, Admin)).Corrections.ToDictionary(c => c.CorrectionId, c => c.State);
        Assert.Equal(
            new Dictionary<string, CorrectionState> { [pending.CorrectionId] = CorrectionState.Proposed, [approved.CorrectionId] = CorrectionState.Approved, [declined.CorrectionId] = CorrectionState.Declined },
            states);
    }

    [Fact]
    public async Task AcknowledgeStatement_WritesOneEvent_ARepeatedOrRefusedOneWritesNone()
    {
        await SetUpHostAsync("ca-ack");
        var hostSecret = await Service.CreateKeyAsync("HOST", "ca-ack");
        var host = Calls.As(hostSecret);
        var draft = await Client.RunOneAsync("2025-02", "ca-ack");
        var early = await StatusOfAsync(() => Corrections.AcknowledgeStatementAsync(new AcknowledgeStatementRequest { StatementId = draft.StatementId }, host).ResponseAsync);
        await Client.FinalizeAsync(draft.StatementId);
        Service.Clock.Advance(TimeSpan.FromMinutes(5));
        var acknowledgedAt = Service.Clock.GetUtcNow().UtcDateTime;

        var acknowledgement = (await Corrections.AcknowledgeStatementAsync(new AcknowledgeStatementRequest { StatementId = draft.StatementId, Message = "all good" }, host)).Acknowledgement;
        Service.Clock.Advance(TimeSpan.FromMinutes(5));
        var again = (await Corrections.AcknowledgeStatementAsync(new AcknowledgeStatementRequest { StatementId = draft.StatementId, Message = "twice" }, host)).Acknowledgement;
        var dispute = await StatusOfAsync(() => Corrections.DisputeStatementAsync(new DisputeStatementRequest { StatementId = draft.StatementId, Message = "changed our mind" }, host).ResponseAsync);

        Assert.Equal((StatusCode.FailedPrecondition, StatusCode.FailedPrecondition), (early, dispute));
        Assert.Equal(acknowledgement, again);
        var events = await AuditTrail.ForTargetAsync(Service.Postgres, "statement", draft.StatementId);
        Assert.Equal(["statement.finalize", "statement.acknowledge"], events.Select(e => e.Action));
        var acknowledge = events[1];
        Assert.Equal((KeyIdOf(hostSecret), "HOST", "ca-ack", acknowledgedAt), (acknowledge.ActorKeyId, acknowledge.ActorRole, acknowledge.HostId, acknowledge.OccurredAt));
        Assert.False(acknowledge.Summary().TryGetProperty("before", out _));
        var after = acknowledge.Summary().GetProperty("after");
        Assert.Equal((draft.StatementId, AuditLog.Time(acknowledgedAt), "all good"), (Text(after, "statement_id"), Text(after, "acknowledged_at"), Text(after, "message")));
        Assert.DoesNotContain(await AuditTrail.ReadAsync(Service.Postgres, "statement.dispute"), e => e.HostId == "ca-ack");
    }

    [Fact]
    public async Task DisputeStatement_WritesOneEvent_ARefusedOneWritesNone()
    {
        await SetUpHostAsync("ca-dispute");
        var hostSecret = await Service.CreateKeyAsync("HOST", "ca-dispute");
        var host = Calls.As(hostSecret);
        var draft = await Client.RunOneAsync("2025-02", "ca-dispute");
        var early = await StatusOfAsync(() => Corrections.DisputeStatementAsync(new DisputeStatementRequest { StatementId = draft.StatementId, Message = "wrong" }, host).ResponseAsync);
        await Client.FinalizeAsync(draft.StatementId);
        var unknownLine = await StatusOfAsync(() => Corrections.DisputeStatementAsync(new DisputeStatementRequest
        {
            StatementId = draft.StatementId,
            Lines = { new StatementLineRef { Model = "no-such-model" } },
            Message = "wrong",
        }, host).ResponseAsync);
        Service.Clock.Advance(TimeSpan.FromMinutes(5));
        var openedAt = Service.Clock.GetUtcNow().UtcDateTime;

        var dispute = (await Corrections.DisputeStatementAsync(new DisputeStatementRequest
        {
            StatementId = draft.StatementId,
            Lines = { new StatementLineRef { Model = "m" } },
            Message = "10 USD were reported twice",
        }, host)).Dispute;

        Assert.Equal((StatusCode.FailedPrecondition, StatusCode.InvalidArgument), (early, unknownLine));
        var opened = Assert.Single(await AuditTrail.ReadAsync(Service.Postgres, "statement.dispute"), e => e.HostId == "ca-dispute");
        Assert.Equal(("dispute", dispute.DisputeId), (opened.TargetType, opened.TargetId));
        Assert.Equal((KeyIdOf(hostSecret), "HOST", "ca-dispute", openedAt), (opened.ActorKeyId, opened.ActorRole, opened.HostId, opened.OccurredAt));
        Assert.False(opened.Summary().TryGetProperty("before", out _));
        var after = opened.Summary().GetProperty("after");
        Assert.Equal(
            (dispute.DisputeId, draft.StatementId, "2025-02", "10 USD were reported twice", "OPEN"),
            (Text(after, "dispute_id"), Text(after, "statement_id"), Text(after, "period"), Text(after, "message"), Text(after, "state")));
        Assert.Equal(["/m"], after.GetProperty("lines").EnumerateArray().Select(l => l.GetString()));
        Assert.Equal((JsonValueKind.Null, JsonValueKind.Null), (after.GetProperty("correction_id").ValueKind, after.GetProperty("resolution").ValueKind));
    }

    [Fact]
    public async Task ResolveDispute_WithAProposedCorrection_WritesTheApprovalAndTheResolutionInOneTransaction()
    {
        var (statementId, host) = await SetUpFinalAsync("ca-resolve");
        var billingSecret = await Service.CreateKeyAsync("BILLING");
        var dispute = await OpenDisputeAsync(statementId, host);
        var proposed = await ProposeAsync(host, "ca-resolve", billedMicros: -10_000_000);
        var trail = await AuditTrail.ReadAsync(Service.Postgres);
        Service.Clock.Advance(TimeSpan.FromMinutes(5));
        var resolvedAt = Service.Clock.GetUtcNow().UtcDateTime;

        var resolved = await Corrections.ResolveDisputeAsync(new ResolveDisputeRequest { DisputeId = dispute.DisputeId, CorrectionId = proposed.CorrectionId, Note = "refunded in March" }, Calls.As(billingSecret));

        Assert.Equal((DisputeState.Resolved, CorrectionState.Approved), (resolved.Dispute.State, resolved.Correction.State));
        var written = (await AuditTrail.ReadAsync(Service.Postgres)).Skip(trail.Count).ToList();
        Assert.Equal(
            [("correction.approve", "correction", proposed.CorrectionId), ("dispute.resolve", "dispute", dispute.DisputeId)],
            written.Select(e => (e.Action, e.TargetType, e.TargetId)));
        Assert.All(written, e => Assert.Equal((KeyIdOf(billingSecret), "BILLING", "ca-resolve", resolvedAt), (e.ActorKeyId, e.ActorRole, e.HostId, e.OccurredAt)));

        var approval = written[0].Summary();
        Assert.Equal(("PROPOSED", "APPROVED"), (Text(approval.GetProperty("before"), "state"), Text(approval.GetProperty("after"), "state")));
        var resolution = written[1].Summary();
        var before = resolution.GetProperty("before");
        var after = resolution.GetProperty("after");
        Assert.Equal(("OPEN", JsonValueKind.Null, JsonValueKind.Null), (Text(before, "state"), before.GetProperty("correction_id").ValueKind, before.GetProperty("resolution").ValueKind));
        Assert.Equal(("RESOLVED", proposed.CorrectionId, "refunded in March"), (Text(after, "state"), Text(after, "correction_id"), Text(after, "resolution")));

        // One transaction: both events, the approved correction and the closed dispute were all written by the same
        // transaction (PostgreSQL's xmin), not the one that proposed the correction.
        var transactions = await TransactionsOfAsync(
            ("audit_events", "event_id::text", written[0].EventId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("audit_events", "event_id::text", written[1].EventId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("usage_corrections", "correction_id", proposed.CorrectionId),
            ("statement_disputes", "dispute_id", dispute.DisputeId));
        Assert.Single(transactions.Distinct());
        var proposal = (await AuditTrail.ForTargetAsync(Service.Postgres, "correction", proposed.CorrectionId))[0];
        Assert.Equal("correction.propose", proposal.Action);
        Assert.NotEqual(transactions[0], (await TransactionsOfAsync(("audit_events", "event_id::text", proposal.EventId.ToString(System.Globalization.CultureInfo.InvariantCulture))))[0]);
    }

    [Fact]
    public async Task ResolveDispute_WithAnApprovedCorrection_WritesOnlyTheResolution_ARejectionItsReason()
    {
        var (statementId, host) = await SetUpFinalAsync("ca-close");
        var adminSecret = await Service.CreateKeyAsync("ADMIN");
        var first = await OpenDisputeAsync(statementId, host);
        var second = await OpenDisputeAsync(statementId, host);
        var approved = await ProposeAsync(Admin, "ca-close", billedMicros: -10_000_000);
        var trail = await AuditTrail.ReadAsync(Service.Postgres);

        await Corrections.ResolveDisputeAsync(new ResolveDisputeRequest { DisputeId = first.DisputeId, CorrectionId = approved.CorrectionId }, Calls.As(adminSecret));
        await Corrections.ResolveDisputeAsync(new ResolveDisputeRequest { DisputeId = second.DisputeId, RejectionReason = "the usage was served" }, Calls.As(adminSecret));

        var written = (await AuditTrail.ReadAsync(Service.Postgres)).Skip(trail.Count).ToList();
        Assert.Equal([("dispute.resolve", first.DisputeId), ("dispute.reject", second.DisputeId)], written.Select(e => (e.Action, e.TargetId)));
        Assert.All(written, e => Assert.Equal(("dispute", KeyIdOf(adminSecret), "ADMIN", "ca-close"), (e.TargetType, e.ActorKeyId, e.ActorRole, e.HostId)));
        var resolvedAfter = written[0].Summary().GetProperty("after");
        Assert.Equal(("RESOLVED", approved.CorrectionId, ""), (Text(resolvedAfter, "state"), Text(resolvedAfter, "correction_id"), Text(resolvedAfter, "resolution")));
        var rejected = written[1].Summary();
        Assert.Equal("OPEN", Text(rejected.GetProperty("before"), "state"));
        var rejectedAfter = rejected.GetProperty("after");
        Assert.Equal(("REJECTED", "the usage was served"), (Text(rejectedAfter, "state"), Text(rejectedAfter, "resolution")));
        Assert.Equal(JsonValueKind.Null, rejectedAfter.GetProperty("correction_id").ValueKind);
    }

    [Fact]
    public async Task RefusedResolveDispute_WritesNeitherTheResolutionNorAnApproval()
    {
        // 100 USD counted; an approved -50 USD leaves too little for the host's proposed -60 USD.
        var (statementId, host) = await SetUpFinalAsync("ca-unresolved");
        await Service.CreateHostAsync("ca-unresolved-other");
        var dispute = await OpenDisputeAsync(statementId, host);
        var closed = await OpenDisputeAsync(statementId, host);
        await Corrections.ResolveDisputeAsync(new ResolveDisputeRequest { DisputeId = closed.DisputeId, RejectionReason = "no" }, Admin);
        var pending = await ProposeAsync(host, "ca-unresolved", billedMicros: -60_000_000);
        var approved = await ProposeAsync(Admin, "ca-unresolved", billedMicros: -50_000_000);
        var declined = await ProposeAsync(host, "ca-unresolved", billedMicros: -1_000_000);
        await Corrections.DeclineCorrectionAsync(new DeclineCorrectionRequest { CorrectionId = declined.CorrectionId, Reason = "no" }, Admin);
        var foreign = await ProposeAsync(Admin, "ca-unresolved-other", billedMicros: 1_000_000);
        var trail = await AuditTrail.ReadAsync(Service.Postgres);

        Task<StatusCode> ResolveAsync(string disputeId, string correctionId, CallOptions options)
            => StatusOfAsync(() => Corrections.ResolveDisputeAsync(new ResolveDisputeRequest { DisputeId = disputeId, CorrectionId = correctionId }, options).ResponseAsync);

        var refusals = new[]
        {
            await ResolveAsync(dispute.DisputeId, pending.CorrectionId, Admin),
            await ResolveAsync(dispute.DisputeId, declined.CorrectionId, Admin),
            await ResolveAsync(dispute.DisputeId, foreign.CorrectionId, Admin),
            await ResolveAsync(dispute.DisputeId, "co_0000000000000000", Admin),
            await ResolveAsync(closed.DisputeId, approved.CorrectionId, Admin),
            await ResolveAsync(dispute.DisputeId, approved.CorrectionId, host),
        };

        Assert.Equal(
            [StatusCode.FailedPrecondition, StatusCode.FailedPrecondition, StatusCode.FailedPrecondition, StatusCode.NotFound, StatusCode.FailedPrecondition, StatusCode.PermissionDenied],
            refusals);
        Assert.Equal(trail, await AuditTrail.ReadAsync(Service.Postgres));
        var open = Assert.Single((await Corrections.ListDisputesAsync(new ListDisputesRequest { HostId = "ca-unresolved", State = DisputeState.Open }, Admin)).Disputes);
        Assert.Equal(dispute.DisputeId, open.DisputeId);
        var stillProposed = Assert.Single((await Corrections.ListCorrectionsAsync(new ListCorrectionsRequest { HostId = "ca-unresolved", State = CorrectionState.Proposed }, Admin)).Corrections);
        Assert.Equal(pending.CorrectionId, stillProposed.CorrectionId);
    }

    public void Dispose() => _channel?.Dispose();

    private static CallOptions Admin => SettlementRpc.Admin;

    private CorrectionService.CorrectionServiceClient Corrections => new(_channel ??= Service.CreateChannel());

    /// <summary>The key id of a secret "mtr_&lt;hex&gt;_&lt;random&gt;" (its key id is "key_&lt;hex&gt;").</summary>
    private static string KeyIdOf(string secret) => "key_" + secret.Split('_')[1];

    private static string? Text(JsonElement element, string property) => element.GetProperty(property).GetString();

    private static async Task<StatusCode> StatusOfAsync<T>(Func<Task<T>> call)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await call());
        return ex.StatusCode;
    }

    /// <summary>The transaction (xmin) that last wrote each row, named by (table, key column as text, key).</summary>
    private async Task<IReadOnlyList<string>> TransactionsOfAsync(params (string Table, string Key, string Id)[] rows)
    {
        await using var connection = new NpgsqlConnection(Service.Postgres);
        await connection.OpenAsync();
        var result = new List<string>();
        foreach (var (table, key, id) in rows)
        {
            await using var command = new NpgsqlCommand($"SELECT xmin::text FROM {table} WHERE {key} = @Id", connection);
            command.Parameters.AddWithValue("Id", id);
            result.Add(Assert.IsType<string>(await command.ExecuteScalarAsync()));
        }

        return result;
    }

    private async Task<Correction> ProposeAsync(CallOptions options, string hostId, long billedMicros, long requests = 0)
        => (await Corrections.ProposeCorrectionAsync(new ProposeCorrectionRequest
        {
            Correction = new CorrectionInput
            {
                HostId = hostId,
                Model = "m",
                Period = "2025-02",
                Requests = requests,
                BilledMicros = billedMicros,
                ReasonCode = CorrectionReason.Refund,
                Reason = "refund to a customer",
            },
        }, options)).Correction;

    private async Task<Dispute> OpenDisputeAsync(string statementId, CallOptions host)
        => (await Corrections.DisputeStatementAsync(new DisputeStatementRequest { StatementId = statementId, Message = "10 USD too much" }, host)).Dispute;

    /// <summary>A host with 100 USD of February usage settled FINAL; returns the statement and a HOST key's options.</summary>
    private async Task<(string StatementId, CallOptions Host)> SetUpFinalAsync(string hostId)
    {
        await SetUpHostAsync(hostId);
        var statement = await Client.FinalizeAsync((await Client.RunOneAsync("2025-02", hostId)).StatementId);
        return (statement.StatementId, Calls.As(await Service.CreateKeyAsync("HOST", hostId)));
    }

    private async Task SetUpHostAsync(string hostId)
    {
        await Service.CreateHostAsync(hostId);
        await Client.UpsertAsync(Agreements.Reported(hostId, "2025-01", "USD", "", ("0", "10")));
        await Service.AddUsageAsync(hostId, "m", At(2025, 2, 10, 0), requests: 1, billedMicros: 100_000_000);
    }
}
