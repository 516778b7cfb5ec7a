using Grpc.Core;
using Metering.Contracts.V1;
using Metering.Persistence.Audit;
using Metering.Settlement.Tests.Infrastructure;
using Metering.Testing;

namespace Metering.Settlement.Tests.Integration;

/// <summary>
/// Every change SettlementService makes (agreements, runs, finalizations, and the schedule's) writes exactly one audit
/// event in its own transaction, with the caller as actor; a refused or empty change writes none.
/// </summary>
public sealed class AuditTests : SettlementTestBase
{
    [Fact]
    public async Task UpsertAgreement_WritesOneEventPerWrite_WithTheReplacedTermsAsBefore()
    {
        await Service.CreateHostAsync("au-agree");
        var adminSecret = await Service.CreateKeyAsync("ADMIN");
        var now = Service.Clock.GetUtcNow().UtcDateTime;
        var created = (await Client.UpsertAsync(Agreements.Reported("au-agree", "2025-01", "USD", "10", ("0", "10")), Calls.As(adminSecret))).Agreement;
        var replaced = (await Client.UpsertAsync(Agreements.Reported("au-agree", "2025-01", "EUR", "", ("0", "12.5"), ("1000", "15")))).Agreement;

        var events = await AuditTrail.ForTargetAsync(Service.Postgres, "agreement", created.AgreementId);

        Assert.Equal(created.AgreementId, replaced.AgreementId);
        Assert.Equal(2, events.Count);
        var first = events[0];
        Assert.Equal(("agreement.upsert", KeyIdOf(adminSecret), "ADMIN", "au-agree", now), (first.Action, first.ActorKeyId, first.ActorRole, first.HostId, first.OccurredAt));
        Assert.False(first.Summary().TryGetProperty("before", out _));
        var after = first.Summary().GetProperty("after");
        Assert.Equal(("USD", "REPORTED", "10", "2025-01"), (after.GetProperty("currency").GetString(), after.GetProperty("revenue_basis").GetString(), after.GetProperty("minimum_payment").GetString(), after.GetProperty("effective_month").GetString()));

        var second = events[1];
        Assert.Equal(("bootstrap", "ADMIN"), (second.ActorKeyId, second.ActorRole));
        var summary = second.Summary();
        Assert.Equal("USD", summary.GetProperty("before").GetProperty("currency").GetString());
        Assert.Equal("EUR", summary.GetProperty("after").GetProperty("currency").GetString());
        Assert.Equal(["0", "1000"], summary.GetProperty("after").GetProperty("share_tiers").EnumerateArray().Select(t => t.GetProperty("from_amount").GetString()));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, summary.GetProperty("after").GetProperty("minimum_payment").ValueKind);
    }

    [Fact]
    public async Task RefusedUpsertAgreement_WritesNoEvent()
    {
        await SetUpHostAsync("au-refused");
        await Client.FinalizeAsync((await Client.RunOneAsync("2025-02", "au-refused")).StatementId);
        var before = await AuditTrail.ReadAsync(Service.Postgres, "agreement.upsert");

        var final = await Assert.ThrowsAsync<RpcException>(() => Client.UpsertAsync(Agreements.Reported("au-refused", "2025-02", "USD", "", ("0", "50"))));
        var invalid = await Assert.ThrowsAsync<RpcException>(() => Client.UpsertAsync(Agreements.Reported("au-refused", "2025-03", "XXX", "", ("0", "50"))));
        var unknown = await Assert.ThrowsAsync<RpcException>(() => Client.UpsertAsync(Agreements.Reported("au-nobody", "2025-03", "USD", "", ("0", "50"))));

        Assert.Equal([StatusCode.FailedPrecondition, StatusCode.InvalidArgument, StatusCode.NotFound], new[] { final.StatusCode, invalid.StatusCode, unknown.StatusCode });
        Assert.Equal(before, await AuditTrail.ReadAsync(Service.Postgres, "agreement.upsert"));
    }

    [Fact]
    public async Task RunSettlement_WritesOneEventPerRun_WithTheStatementsItWroteAndTheDraftsItReplaced()
    {
        await SetUpHostAsync("au-run");
        var first = await Client.RunOneAsync("2025-02", "au-run");
        await Service.AddUsageAsync("au-run", "m", At(2025, 2, 20, 0), requests: 1, billedMicros: 50_000_000);
        Service.Clock.Advance(TimeSpan.FromMinutes(5));
        var second = await Client.RunOneAsync("2025-02", "au-run");

        var runs = (await AuditTrail.ReadAsync(Service.Postgres, "settlement.run")).Where(e => e.HostId == "au-run").ToList();

        Assert.Equal(2, runs.Count);
        Assert.All(runs, e => Assert.Equal(("period", "2025-02", "bootstrap", "ADMIN"), (e.TargetType, e.TargetId, e.ActorKeyId, e.ActorRole)));
        Assert.False(runs[0].Summary().TryGetProperty("before", out _));
        var written = Assert.Single(runs[0].Summary().GetProperty("after").GetProperty("statements").EnumerateArray());
        Assert.Equal((first.StatementId, "DRAFT", first.AmountOwed), (written.GetProperty("statement_id").GetString(), written.GetProperty("status").GetString(), written.GetProperty("amount_owed").GetString()));
        Assert.Equal(["au-run"], runs[0].Summary().GetProperty("after").GetProperty("requested_host_ids").EnumerateArray().Select(h => h.GetString()));

        var replaced = Assert.Single(runs[1].Summary().GetProperty("before").GetProperty("statements").EnumerateArray());
        Assert.Equal((first.StatementId, first.AmountOwed), (replaced.GetProperty("statement_id").GetString(), replaced.GetProperty("amount_owed").GetString()));
        var rewritten = Assert.Single(runs[1].Summary().GetProperty("after").GetProperty("statements").EnumerateArray());
        Assert.Equal(second.AmountOwed, rewritten.GetProperty("amount_owed").GetString());
        Assert.NotEqual(first.AmountOwed, second.AmountOwed);
    }

    [Fact]
    public async Task RunSettlementOfEveryHost_IsAboutNoSingleHost_AndListsSkippedHosts()
    {
        await SetUpHostAsync("au-all-one");
        await SetUpHostAsync("au-all-two");
        await Service.CreateHostAsync("au-all-none");
        await Service.AddUsageAsync("au-all-none", "m", At(2025, 1, 10, 0), requests: 1);

        var response = await Client.RunAsync("2025-01");

        var run = (await AuditTrail.ReadAsync(Service.Postgres, "settlement.run")).Last();
        Assert.Equal(("2025-01", null), (run.TargetId, run.HostId));
        var after = run.Summary().GetProperty("after");
        Assert.Equal(System.Text.Json.JsonValueKind.Null, after.GetProperty("requested_host_ids").ValueKind);
        Assert.Equal(response.Statements.Select(s => s.StatementId).Order(StringComparer.Ordinal), after.GetProperty("statements").EnumerateArray().Select(s => s.GetProperty("statement_id").GetString()!).Order(StringComparer.Ordinal));
        Assert.Contains(after.GetProperty("skipped").EnumerateArray(), s => s.GetProperty("host_id").GetString() == "au-all-none" && s.GetProperty("reason").GetString() == "NO_AGREEMENT");
    }

    [Fact]
    public async Task RunSettlementThatWritesNothing_OrFails_WritesNoEvent()
    {
        await SetUpHostAsync("au-nothing");
        await Client.FinalizeAsync((await Client.RunOneAsync("2025-02", "au-nothing")).StatementId);
        var before = await AuditTrail.ReadAsync(Service.Postgres);

        var skipped = await Client.RunAsync("2025-02", "au-nothing");
        var unknown = await Assert.ThrowsAsync<RpcException>(() => Client.RunAsync("2025-02", "au-nothing", "au-no-such-host"));

        Assert.Empty(skipped.Statements);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(before, await AuditTrail.ReadAsync(Service.Postgres));
    }

    [Fact]
    public async Task FinalizeStatement_WritesOneEvent_ARefusedOrRepeatedOneWritesNone()
    {
        await Service.CreateHostAsync("au-final");
        await Client.UpsertAsync(Agreements.RateCard("au-final", "2025-01", "USD", "", [("priced", "1", "0", "0")], ("0", "10")));
        await Service.AddUsageAsync("au-final", "mystery", At(2025, 2, 2, 3), input: 5_000_000, requests: 7);
        var draft = await Client.RunOneAsync("2025-02", "au-final");
        var billingSecret = await Service.CreateKeyAsync("BILLING");

        var refused = await Assert.ThrowsAsync<RpcException>(() => Client.FinalizeAsync(draft.StatementId));
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Empty(await AuditTrail.ForTargetAsync(Service.Postgres, "statement", draft.StatementId));

        var now = Service.Clock.GetUtcNow().UtcDateTime;
        var final = (await Client.FinalizeStatementAsync(new FinalizeStatementRequest { StatementId = draft.StatementId, AllowUnpriced = true }, Calls.As(billingSecret))).Statement;
        await Client.FinalizeAsync(draft.StatementId);

        var finalized = Assert.Single(await AuditTrail.ForTargetAsync(Service.Postgres, "statement", draft.StatementId));
        Assert.Equal(("statement.finalize", KeyIdOf(billingSecret), "BILLING", "au-final", now), (finalized.Action, finalized.ActorKeyId, finalized.ActorRole, finalized.HostId, finalized.OccurredAt));
        var summary = finalized.Summary();
        Assert.Equal(("DRAFT", "FINAL"), (summary.GetProperty("before").GetProperty("status").GetString(), summary.GetProperty("after").GetProperty("status").GetString()));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, summary.GetProperty("before").GetProperty("finalized_at").ValueKind);
        Assert.Equal(AuditLog.Time(final.FinalizedAt.ToDateTime()), summary.GetProperty("after").GetProperty("finalized_at").GetString());
        Assert.True(summary.GetProperty("after").GetProperty("has_unpriced_lines").GetBoolean());
    }

    /// <summary>The key id of a secret "mtr_&lt;hex&gt;_&lt;random&gt;" (its key id is "key_&lt;hex&gt;").</summary>
    private static string KeyIdOf(string secret) => "key_" + secret.Split('_')[1];

    private async Task SetUpHostAsync(string hostId)
    {
        await Service.CreateHostAsync(hostId);
        await Client.UpsertAsync(Agreements.Reported(hostId, "2025-01", "USD", "", ("0", "10")));
        await Service.AddUsageAsync(hostId, "m", At(2025, 2, 10, 0), requests: 1, billedMicros: 100_000_000);
    }
}
