using Metering.Persistence.Audit;
using Metering.Settlement.Scheduling;
using Metering.Settlement.Tests.Infrastructure;
using Metering.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Metering.Settlement.Tests.Integration;

/// <summary>What the settlement schedule changes on its own is audited too, as the schedule (no API key behind it).</summary>
public sealed class ScheduleAuditTests : SettlementTestBase
{
    [Fact]
    public async Task ScheduledRunAndFinalization_AreAuditedAsTheSchedule()
    {
        await Service.CreateHostAsync("au-sched");
        await Client.UpsertAsync(Agreements.Reported("au-sched", "2025-01", "USD", "", ("0", "10")));
        await Service.AddUsageAsync("au-sched", "m", At(2025, 2, 10, 0), requests: 1, billedMicros: 100_000_000);
        var cycle = Service.Services.GetRequiredService<SettlementCycle>();
        Service.Clock.Set(new DateTime(2025, 3, 10, 0, 0, 0, DateTimeKind.Utc));

        var pass = await cycle.RunOnceAsync(CancellationToken.None);

        var statement = Assert.Single(pass.Finalized, s => s.HostId == "au-sched");
        var finalized = Assert.Single(await AuditTrail.ForTargetAsync(Service.Postgres, "statement", statement.StatementId));
        Assert.Equal((AuditActor.SettlementSchedule.KeyId, AuditActor.SystemRole), (finalized.ActorKeyId, finalized.ActorRole));
        var run = (await AuditTrail.ReadAsync(Service.Postgres, "settlement.run")).Last(e => e.TargetId == "2025-02");
        Assert.Equal(("scheduler", "SYSTEM"), (run.ActorKeyId, run.ActorRole));
    }
}
