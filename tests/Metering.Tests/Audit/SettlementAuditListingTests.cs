using Grpc.Core;
using Metering.Contracts.V1;
using Metering.Testing;
using Metering.Tests.Infrastructure;
using Xunit;

namespace Metering.Tests.Audit;

/// <summary>
/// The two services share one database, so AdminService.ListAuditEvents lists what SettlementService changed too, and a
/// HOST key sees the settlement events about its own host.
/// </summary>
public sealed class SettlementAuditListingTests
{
    [Fact]
    public async Task SettlementChanges_AreListedByAdminService_AndAHostSeesItsOwn()
    {
        await using var settlement = await SettlementServiceHost.StartAsync(new DateTime(2025, 4, 10, 12, 0, 0, DateTimeKind.Utc));
        await using var metering = await MeteringServiceHost.StartAsync(postgres: settlement.Postgres);
        using var meteringChannel = metering.CreateChannel();
        using var settlementChannel = settlement.CreateChannel();
        var admin = Rpc.As(MeteringServiceHost.AdminKey);
        var client = new SettlementService.SettlementServiceClient(settlementChannel);
        var hostKey = await Rpc.CreateHostWithKeyAsync(meteringChannel, "listed");
        await Rpc.CreateHostWithKeyAsync(meteringChannel, "unlisted");

        var agreement = new Agreement { HostId = "listed", EffectiveMonth = "2025-01", Currency = "USD", RevenueBasis = RevenueBasis.Reported, ShareTiers = { new ShareTier { FromAmount = "0", SharePercent = "10" } } };
        await client.UpsertAgreementAsync(new UpsertAgreementRequest { Agreement = agreement }, admin);
        await settlement.AddUsageAsync("listed", "m", new DateTime(2025, 2, 10, 0, 0, 0, DateTimeKind.Utc), requests: 1, billedMicros: 100_000_000);
        var draft = (await client.RunSettlementAsync(new RunSettlementRequest { Period = "2025-02", HostIds = { "listed" } }, admin)).Statements.Single();
        await client.FinalizeStatementAsync(new FinalizeStatementRequest { StatementId = draft.StatementId }, admin);

        var asHost = (await meteringChannel.Admin().ListAuditEventsAsync(new ListAuditEventsRequest(), Rpc.As(hostKey))).Events;
        var statementEvents = (await meteringChannel.Admin().ListAuditEventsAsync(new ListAuditEventsRequest { Action = "statement." }, admin)).Events;
        var denied = await Assert.ThrowsAsync<RpcException>(() => meteringChannel.Admin().ListAuditEventsAsync(new ListAuditEventsRequest { HostId = "unlisted" }, Rpc.As(hostKey)).ResponseAsync);

        Assert.Equal(["statement.finalize", "settlement.run", "agreement.upsert", "api_key.create", "host.create"], asHost.Select(e => e.Action));
        Assert.All(asHost, e => Assert.Equal(("listed", Role.Admin, "bootstrap"), (e.HostId, e.ActorRole, e.ActorKeyId)));
        var finalized = Assert.Single(statementEvents);
        Assert.Equal(("statement", draft.StatementId, new DateTime(2025, 4, 10, 12, 0, 0, DateTimeKind.Utc)), (finalized.TargetType, finalized.TargetId, finalized.OccurredAt.ToDateTime()));
        Assert.Contains("\"status\": \"FINAL\"", finalized.SummaryJson, StringComparison.Ordinal);
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
    }
}
