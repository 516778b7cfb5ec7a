using Grpc.Core;
using Metering.Contracts.V1;
using Metering.Settlement.Tests.Infrastructure;

namespace Metering.Settlement.Tests.Integration;

/// <summary>The hosted schedule itself: with the scheduler on, a closed month past its grace period is finalized without any call.</summary>
public sealed class SchedulerHostedTests : SettlementTestBase
{
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["Settlement:SchedulerEnabled"] = "true",
        ["Settlement:RunInterval"] = "00:00:01",
    };

    [Fact]
    public async Task EnabledScheduler_FinalizesPreviousMonthAfterGrace()
    {
        await Service.CreateHostAsync("w-host");
        await Client.UpsertAsync(Agreements.Reported("w-host", "2025-01", "USD", "", ("0", "10")));
        await Service.AddUsageAsync("w-host", "m", At(2025, 3, 3, 0), requests: 1, billedMicros: 50_000_000);

        var deadline = DateTime.UtcNow.AddSeconds(20);
        Statement? statement = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                statement = await Client.GetAsync("w-host", "2025-03");
                if (statement.Status == StatementStatus.Final)
                {
                    break;
                }
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
            {
            }

            await Task.Delay(200);
        }

        Assert.NotNull(statement);
        Assert.Equal((StatementStatus.Final, "5.00"), (statement.Status, statement.AmountOwed));
    }
}
