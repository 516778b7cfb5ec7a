using Metering.Contracts.V1;
using Metering.Grpc;
using Metering.Settlement.Tests.Infrastructure;

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

        var response = await Channel.RunAsync("2025-02");

        Assert.Equal(Hosts, response.Statements.Select(s => s.HostId));
        var line = Assert.Single(response.Statements[0].Lines);
        Assert.Equal((2L, 320_000_000L, "320.000000"), (line.Requests, line.BilledMicros, line.GrossRevenue));
        Assert.Equal(("pz-no-agreement", SettlementSkipReason.NoAgreement), (Assert.Single(response.Skipped).HostId, response.Skipped[0].Reason));
    }

    [Fact]
    public async Task Statements_ArePagedByPeriodThenHost()
    {
        await SetUpAsync();
        await Channel.RunAsync("2025-02");
        await Channel.RunAsync("2025-03");
        var request = new ListStatementsRequest { PageSize = 3 };

        var seen = new List<(string, string)>();
        var pages = 0;
        do
        {
            var page = await Channel.UnaryAsync(SettlementRpc.ListStatements, request, SettlementRpc.Admin);
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
        await Channel.RunAsync("2025-02");
        await Channel.RunAsync("2025-03");
        await Channel.FinalizeAsync((await Channel.GetAsync("pc", "2025-02")).StatementId);

        var finals = await Channel.UnaryAsync(SettlementRpc.ListStatements, new ListStatementsRequest { Status = StatementStatus.Final }, SettlementRpc.Admin);
        var march = await Channel.UnaryAsync(SettlementRpc.ListStatements, new ListStatementsRequest { PeriodFrom = "2025-03", PeriodTo = "2025-03", HostIds = { "pa", "pb" } }, SettlementRpc.Admin);

        Assert.Equal([("pc", "2025-02")], finals.Statements.Select(s => (s.HostId, s.Period)));
        Assert.Equal([("pa", "2025-03"), ("pb", "2025-03")], march.Statements.Select(s => (s.HostId, s.Period)));
    }

    [Fact]
    public async Task Agreements_ArePagedByHostThenMonth()
    {
        await SetUpAsync();
        foreach (var host in Hosts)
        {
            await Channel.UpsertAsync(Agreements.Reported(host, "2025-03", "USD", "", ("0", "20")));
        }

        var request = new ListAgreementsRequest { PageSize = 4 };
        var seen = new List<(string, string)>();
        do
        {
            var page = await Channel.UnaryAsync(SettlementRpc.ListAgreements, request, SettlementRpc.Admin);
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
        await Channel.RunAsync("2025-02");
        var first = await Channel.UnaryAsync(SettlementRpc.ListStatements, new ListStatementsRequest { PageSize = 2 }, SettlementRpc.Admin);

        var changed = await Assert.ThrowsAsync<RpcException>(() => Channel.UnaryAsync(SettlementRpc.ListStatements, new ListStatementsRequest { PageSize = 2, PeriodFrom = "2025-01", PageToken = first.NextPageToken }, SettlementRpc.Admin));
        var garbage = await Assert.ThrowsAsync<RpcException>(() => Channel.UnaryAsync(SettlementRpc.ListAgreements, new ListAgreementsRequest { PageToken = "not-a-token" }, SettlementRpc.Admin));
        var negative = await Assert.ThrowsAsync<RpcException>(() => Channel.UnaryAsync(SettlementRpc.ListStatements, new ListStatementsRequest { PageSize = -1 }, SettlementRpc.Admin));

        Assert.Equal(["page_token"], SettlementRpc.ViolatedFields(changed));
        Assert.Equal(["page_token"], SettlementRpc.ViolatedFields(garbage));
        Assert.Equal(["page_size"], SettlementRpc.ViolatedFields(negative));
    }

    private async Task SetUpAsync()
    {
        foreach (var host in Hosts)
        {
            await Service.CreateHostAsync(host);
            await Channel.UpsertAsync(Agreements.Reported(host, "2025-01", "USD", "", ("0", "10")));
        }
    }
}
