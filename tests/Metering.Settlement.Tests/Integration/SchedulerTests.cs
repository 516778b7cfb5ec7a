using Metering.Contracts.V1;
using Metering.Settlement.Scheduling;
using Metering.Settlement.Tests.Infrastructure;
using Metering.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using YearMonth = Metering.Domain.Settlement.YearMonth;
using DecimalText = Metering.Domain.Settlement.DecimalText;

namespace Metering.Settlement.Tests.Integration;

/// <summary>The schedule: previous month recomputed every pass; drafts of closed months finalized after the grace period.</summary>
public sealed class SchedulerTests : SettlementTestBase
{
    [Fact]
    public async Task ClosedMonth_IsFinalizedOnlyAfterGracePeriodWithLateUsage()
    {
        await Service.CreateHostAsync("s-one");
        await Service.CreateHostAsync("s-two");
        await Client.UpsertAsync(Agreements.Reported("s-one", "2025-01", "USD", "", ("0", "10")));
        await Client.UpsertAsync(Agreements.RateCard("s-two", "2025-01", "USD", "", [("priced", "1", "0", "0")], ("0", "10")));
        await Service.AddUsageAsync("s-one", "m", At(2025, 2, 10, 0), requests: 1, billedMicros: 100_000_000);
        await Service.AddUsageAsync("s-two", "unpriced", At(2025, 2, 10, 0), input: 1_000);
        var cycle = Service.Services.GetRequiredService<SettlementCycle>();

        Service.Clock.Set(new DateTime(2025, 3, 2, 0, 0, 0, DateTimeKind.Utc));
        var withinGrace = await cycle.RunOnceAsync(CancellationToken.None);
        Assert.Equal([YearMonth.Parse("2025-02")], withinGrace.MonthsRun);
        Assert.Empty(withinGrace.Finalized);
        Assert.Equal(StatementStatus.Draft, (await Client.GetAsync("s-one", "2025-02")).Status);

        // Usage flushed late, within the grace period, still lands in February.
        await Service.AddUsageAsync("s-one", "m", At(2025, 2, 28, 23), requests: 1, billedMicros: 20_000_000);
        Service.Clock.Set(new DateTime(2025, 3, 4, 0, 0, 1, DateTimeKind.Utc));
        var afterGrace = await cycle.RunOnceAsync(CancellationToken.None);

        var final = Assert.Single(afterGrace.Finalized);
        Assert.Equal(("s-one", "12.00"), (final.HostId, DecimalText.Format(final.AmountOwed, 2)));
        var left = Assert.Single(afterGrace.LeftDraft);
        Assert.Contains("unpriced", left.Reason, StringComparison.Ordinal);
        Assert.Equal(StatementStatus.Final, (await Client.GetAsync("s-one", "2025-02")).Status);
        Assert.Equal(StatementStatus.Draft, (await Client.GetAsync("s-two", "2025-02")).Status);

        // A month later the unfinished February draft is still revisited, with March.
        Service.Clock.Set(new DateTime(2025, 4, 2, 0, 0, 0, DateTimeKind.Utc));
        var nextMonth = await cycle.RunOnceAsync(CancellationToken.None);
        Assert.Equal([YearMonth.Parse("2025-02"), YearMonth.Parse("2025-03")], nextMonth.MonthsRun);
        Assert.Single(nextMonth.LeftDraft);
        Assert.Equal(StatementStatus.Draft, (await Client.GetAsync("s-one", "2025-03")).Status);
    }

    [Fact]
    public void Defaults_AreThreeDaysGraceAndHourlyRuns()
    {
        var options = Service.Services.GetRequiredService<IOptions<SettlementOptions>>().Value;

        Assert.Equal((TimeSpan.FromDays(3), TimeSpan.FromHours(1), 3), (options.FinalizeGracePeriod, options.RunInterval, options.AdjustmentLookbackMonths));
    }

    [Theory]
    [InlineData("Settlement:RunInterval", "00:00:00")]
    [InlineData("Settlement:FinalizeGracePeriod", "-1.00:00:00")]
    [InlineData("Settlement:AdjustmentLookbackMonths", "0")]
    public async Task BadSetting_StopsStartNamingTheSetting(string setting, string value)
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => SettlementServiceHost.StartAsync(SettlementTestBase.Now, new Dictionary<string, string?> { [setting] = value }));

        Assert.Contains(setting, ex.Message, StringComparison.Ordinal);
    }
}
