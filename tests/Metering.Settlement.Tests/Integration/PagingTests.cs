using Grpc.Core;
using Metering.Contracts.V1;
using Metering.Settlement.Tests.Infrastructure;
using Metering.Testing;

namespace Metering.Settlement.Tests.Integration;

/// <summary>RunSettlement for every host, and paged listings of statements and agreements.</summary>
public sealed class PagingTests : SettlementTestBase
{
    private static readonly string[] Hosts = ["pa", "pb", "pc", "pd", "pe"];

    [Fact]
    public async Task RunWithoutHosts_SettlesEveryHostWithAgreementOrUsage()
    {
        await SetUpAsync();
        await Service.CreateHostAsync("pz-no-agreement");
        await Service.AddUsageAsync("pz-no-agreement", "m", At(2025, 2, 1, 0), input: 1);

        await Service.AddUsageAsync("pa", "m", At(2025, 1, 31, 23), requests: 1, billedMicros: 1_000_000);
        await Service.AddUsageAsync("pa", "m", At(2025, 2, 1, 0), requests: 1, billedMicros: 20_000_000);
        await Service.AddUsageAsync("pa", "m", At(2025, 2, 28, 23), requests: 1, billedMicros: 300_000_000);
        await Service.AddUsageAsync("pa", "m", At(2025, 3, 1, 0), requests: 1, billedMicros: 4_000_000_000);

        var response = await Client.RunAsync("2025-02");

        Assert.Equal(Hosts, response.Statements.Select(s => s.HostId));
        var line = Assert.Single(response.Statements[0].Lines);
        Assert.Equal((2L, 320_000_000L, "320.000000"), (line.Requests, line.BilledMicros, line.GrossRevenue));
        Assert.Equal(("pz-no-agreement", SettlementSkipReason.NoAgreement), (Assert.Single(response.Skipped).HostId, response.Skipped[0].Reason));
    }

    [Fact]
    public async Task Statements_ArePagedByPeriodThenHost()
    {
        await SetUpAsync();
        await Client.RunAsync("2025-02");
        await Client.RunAsync("2025-03");
        var request = new ListStatementsRequest { PageSize = 3 };

        var seen = new List<(string, string)>();
        var pages = 0;
        do
        {
            var page = await Client.ListStatementsAsync(request, SettlementRpc.Admin);
            seen.AddRange(page.Statements.Select(s => (s.Period, s.HostId)));
            request.PageToken = page.NextPageToken;
            pages++;
        }
        while (request.PageToken.Length > 0);

        Assert.Equal(4, pages);
        Assert.Equal(Hosts.Select(h => ("2025-02", h)).Concat(Hosts.Select(h => ("2025-03", h))), seen);
    }

    [Fact]
    public async Task StatementFilters_SelectPeriodAndStatus()
    {
        await SetUpAsync();
        await Client.RunAsync("2025-02");
        await Client.RunAsync("2025-03");
        await Client.FinalizeAsync((await Client.GetAsync("pc", "2025-02")).StatementId);

        var finals = await Client.ListStatementsAsync(new ListStatementsRequest { Status = StatementStatus.Final }, SettlementRpc.Admin);
        var march = await Client.ListStatementsAsync(new ListStatementsRequest { PeriodFrom = "2025-03", PeriodTo = "2025-03", HostIds = { "pa", "pb" } }, SettlementRpc.Admin);

        Assert.Equal([("pc", "2025-02")], finals.Statements.Select(s => (s.HostId, s.Period)));
        Assert.Equal([("pa", "2025-03"), ("pb", "2025-03")], march.Statements.Select(s => (s.HostId, s.Period)));
    }

    [Fact]
    public async Task Agreements_ArePagedByHostThenMonth()
    {
        await SetUpAsync();
        foreach (var host in Hosts)
        {
            await Client.UpsertAsync(Agreements.Reported(host, "2025-03", "USD", "", ("0", "20")));
        }

        var request = new ListAgreementsRequest { PageSize = 4 };
        var seen = new List<(string, string)>();
        do
        {
            var page = await Client.ListAgreementsAsync(request, SettlementRpc.Admin);
            Assert.True(page.Agreements.Count <= 4);
            seen.AddRange(page.Agreements.Select(a => (a.HostId, a.EffectiveMonth)));
            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0);

        Assert.Equal(Hosts.SelectMany(h => new[] { (h, "2025-01"), (h, "2025-03") }), seen);
    }

    [Fact]
    public async Task TokenOfAnotherRequestOrNegativePageSize_IsInvalidArgument()
    {
        await SetUpAsync();
        await Client.RunAsync("2025-02");
        var first = await Client.ListStatementsAsync(new ListStatementsRequest { PageSize = 2 }, SettlementRpc.Admin);

        var changed = await Assert.ThrowsAsync<RpcException>(() => Client.ListStatementsAsync(new ListStatementsRequest { PageSize = 2, PeriodFrom = "2025-01", PageToken = first.NextPageToken }, SettlementRpc.Admin).ResponseAsync);
        var garbage = await Assert.ThrowsAsync<RpcException>(() => Client.ListAgreementsAsync(new ListAgreementsRequest { PageToken = "not-a-token" }, SettlementRpc.Admin).ResponseAsync);
        var negative = await Assert.ThrowsAsync<RpcException>(() => Client.ListStatementsAsync(new ListStatementsRequest { PageSize = -1 }, SettlementRpc.Admin).ResponseAsync);

        Assert.Equal(["page_token"], Calls.ViolatedFields(changed));
        Assert.Equal(["page_token"], Calls.ViolatedFields(garbage));
        Assert.Equal(["page_size"], Calls.ViolatedFields(negative));
    }

    private async Task SetUpAsync()
    {
        foreach (var host in Hosts)
        {
            await Service.CreateHostAsync(host);
            await Client.UpsertAsync(Agreements.Reported(host, "2025-01", "USD", "", ("0", "10")));
        }
    }
}
