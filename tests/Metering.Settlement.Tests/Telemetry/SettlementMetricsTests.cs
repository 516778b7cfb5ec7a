using Grpc.Core;
using Metering.Contracts.V1;
using Metering.Settlement.Tests.Infrastructure;
using Metering.Testing;

namespace Metering.Settlement.Tests.Telemetry;

/// <summary>
/// The settlement service's <c>/metrics</c> against what its callers did: runs by outcome, statements written and
/// finalized, unpriced models, the gRPC call metric, authentication failures. Compared before and after, alone in
/// the process (<see cref="MetricsCollection"/>).
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed class SettlementMetricsTests : SettlementTestBase
{
    [Fact]
    public async Task SettlementCounters_SayWhatTheRunsAndFinalizationsDid()
    {
        await Service.CreateHostAsync("m-reported");
        await Client.UpsertAsync(Agreements.Reported("m-reported", "2025-01", "USD", "", ("0", "10")));
        await Service.AddUsageAsync("m-reported", "m", At(2025, 2, 10, 0), requests: 1, billedMicros: 100_000_000);
        await Service.CreateHostAsync("m-card");
        await Client.UpsertAsync(Agreements.RateCard("m-card", "2025-01", "USD", "", [("priced", "1", "2", "0")], ("0", "20")));
        await Service.AddUsageAsync("m-card", "priced", At(2025, 2, 2, 2), input: 1_000_000, requests: 1);
        await Service.AddUsageAsync("m-card", "mystery-a", At(2025, 2, 2, 3), input: 5, requests: 1);
        await Service.AddUsageAsync("m-card", "mystery-b", At(2025, 2, 2, 4), input: 5, requests: 1);
        var before = await ScrapeAsync();

        var run = await Client.RunAsync("2025-02", "m-reported", "m-card");
        Assert.Equal(2, run.Statements.Count);
        await Client.RunAsync("2025-03", "m-reported");
        var reported = run.Statements.Single(s => s.HostId == "m-reported");
        await Client.FinalizeAsync(reported.StatementId);
        await Client.FinalizeAsync(reported.StatementId);
        var unpriced = await Assert.ThrowsAsync<RpcException>(() => Client.FinalizeAsync(run.Statements.Single(s => s.HostId == "m-card").StatementId));
        Assert.Equal(StatusCode.FailedPrecondition, unpriced.StatusCode);
        await Assert.ThrowsAsync<RpcException>(() => Client.RunAsync("2025-09"));
        using var channel = Service.CreateChannel();
        var unauthenticated = new SettlementService.SettlementServiceClient(channel);
        await Assert.ThrowsAsync<RpcException>(() => unauthenticated.ListAgreementsAsync(new ListAgreementsRequest(), Calls.As("not-a-settlement-key-0123456789")).ResponseAsync);

        var after = await ScrapeAsync();
        Assert.Equal(2, Delta(before, after, "metering_settlement_runs_total", "metering_outcome=ok"));
        Assert.Equal(0, Delta(before, after, "metering_settlement_runs_total", "metering_outcome=failed"));
        Assert.Equal(2, Delta(before, after, "metering_settlement_run_duration_seconds_count"));
        Assert.Equal(3, Delta(before, after, "metering_settlement_statements_written_total"));
        Assert.Equal(2, Delta(before, after, "metering_settlement_unpriced_models_total"));
        Assert.Equal(1, Delta(before, after, "metering_settlement_statements_finalized_total"));
        Assert.Equal(2, Delta(before, after, "rpc_server_call_duration_seconds_count", "rpc_method=RunSettlement", "rpc_grpc_status_code=0"));
        Assert.Equal(1, Delta(before, after, "rpc_server_call_duration_seconds_count", "rpc_method=RunSettlement", "rpc_grpc_status_code=3"));
        Assert.Equal(2, Delta(before, after, "rpc_server_call_duration_seconds_count", "rpc_method=FinalizeStatement", "rpc_grpc_status_code=0"));
        Assert.Equal(1, Delta(before, after, "rpc_server_call_duration_seconds_count", "rpc_method=FinalizeStatement", "rpc_grpc_status_code=9"));
        Assert.Equal(1, Delta(before, after, "metering_auth_failures_total", "metering_auth_reason=unknown"));
    }

    private static double Delta(MetricsScrape before, MetricsScrape after, string name, params string[] labels)
        => after.Sum(name, labels) - before.Sum(name, labels);

    private Task<MetricsScrape> ScrapeAsync() => MetricsScrape.ReadAsync(Service.HttpAddress);
}
