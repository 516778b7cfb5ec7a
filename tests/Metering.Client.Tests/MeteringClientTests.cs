using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Metering.Client.Tests.Infrastructure;
using Metering.Contracts.V1;
using Metering.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Metering.Client.Tests;

/// <summary>The typed clients against fake services on grpc-dotnet.</summary>
public sealed class MeteringClientTests
{
    [Fact]
    public async Task EveryTypedCall_CarriesTheBearerKeyAndReachesItsRpc()
    {
        var log = new CallLog();
        await using var server = await StartAsync(log);
        using var client = new MeteringClient(server.Address.ToString(), CallLog.BillingKey);

        Assert.Equal("acme-cloud", (await client.Admin.CreateHostAsync(new CreateHostRequest { HostId = "acme-cloud", DisplayName = "Acme" })).Host.HostId);
        Assert.Single((await client.Admin.ListHostsAsync(new ListHostsRequest())).Hosts);
        Assert.Equal("secret", (await client.Admin.CreateApiKeyAsync(new CreateApiKeyRequest { Role = Role.Host, HostId = "acme-cloud" })).Secret);
        Assert.Equal("key-1", (await client.Admin.RevokeApiKeyAsync(new RevokeApiKeyRequest { KeyId = "key-1" })).KeyId);
        Assert.Equal(2, (await client.Usage.GetUsageAsync(new GetUsageRequest())).Rows.Count);
        Assert.True((await client.Settlement.UpsertAgreementAsync(new UpsertAgreementRequest { Agreement = new Agreement { HostId = "acme-cloud" } })).Created);
        await client.Settlement.ListAgreementsAsync(new ListAgreementsRequest());
        await client.Settlement.RunSettlementAsync(new RunSettlementRequest { Period = "2025-03" });
        Assert.Equal("st-1", (await client.Settlement.GetStatementAsync(new GetStatementRequest { StatementId = "st-1" })).Statement.StatementId);
        await client.Settlement.ListStatementsAsync(new ListStatementsRequest());
        Assert.Equal("st-1", (await client.Settlement.FinalizeStatementAsync(new FinalizeStatementRequest { StatementId = "st-1" })).Statement.StatementId);

        string[] expected =
        [
            "/metering.v1.AdminService/CreateHost", "/metering.v1.AdminService/ListHosts", "/metering.v1.AdminService/CreateApiKey",
            "/metering.v1.AdminService/RevokeApiKey", "/metering.v1.UsageService/GetUsage", "/metering.v1.SettlementService/UpsertAgreement",
            "/metering.v1.SettlementService/ListAgreements", "/metering.v1.SettlementService/RunSettlement", "/metering.v1.SettlementService/GetStatement",
            "/metering.v1.SettlementService/ListStatements", "/metering.v1.SettlementService/FinalizeStatement",
        ];
        Assert.Equal(expected, log.Calls.Select(c => c.Method));
        Assert.All(log.Calls, c => Assert.Equal("Bearer " + CallLog.BillingKey, c.Authorization));
    }

    [Fact]
    public async Task GetAllUsageAsync_FollowsPageTokensWithTheQueryUnchanged()
    {
        var log = new CallLog();
        await using var server = await StartAsync(log);
        using var client = new MeteringClient(server.Address.ToString(), CallLog.BillingKey);
        var query = new GetUsageRequest { Models = { "model-a" }, Granularity = Granularity.Day, PageSize = 2, GroupBy = { UsageGroupBy.Model } };

        var rows = new List<UsageRow>();
        await foreach (var row in client.Usage.GetAllUsageAsync(query))
        {
            rows.Add(row);
        }

        Assert.Equal(["model-0", "model-1", "model-2", "model-3", "model-4", "model-5"], rows.Select(r => r.Model));
        Assert.Equal(["", "page-1", "page-2"], log.UsageRequests.Select(r => r.PageToken));
        Assert.All(log.UsageRequests, r => Assert.Equal(query, new GetUsageRequest(r) { PageToken = string.Empty }));
        Assert.Equal(string.Empty, query.PageToken);
    }

    [Fact]
    public async Task WrongKey_FailsWithUnauthenticated()
    {
        var log = new CallLog();
        await using var server = await StartAsync(log);
        using var client = new MeteringClient(server.Address.ToString(), "not-a-key");

        var ex = await Assert.ThrowsAsync<RpcException>(() => client.Admin.ListHostsAsync(new ListHostsRequest()));
        Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode);
    }

    [Fact]
    public async Task ReportUsageAsync_RepeatedIdempotencyKey_IsDuplicate()
    {
        await using var server = await IngestServer.StartAsync();
        using var client = new MeteringClient(server.Address.ToString(), FakeIngestService.HostKey);
        UsageRecord[] records =
        [
            new() { Model = "acme/llama-4-8b", InputTokens = 10, OutputTokens = 5, Requests = 1, EventTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow) },
        ];

        var first = await client.Ingest.ReportUsageAsync("key-42", records);
        var again = await client.Ingest.ReportUsageAsync("key-42", records);

        Assert.Equal(IngestResult.Accepted, first.Result);
        Assert.Equal(1, first.RecordsAccepted);
        Assert.Equal(IngestResult.Duplicate, again.Result);
        Assert.Equal(1, server.Ledger.RecordsApplied);
    }

    [Fact]
    public async Task CallersChannel_CarriesTheCallsAndIsNotDisposedWithTheClient()
    {
        var log = new CallLog();
        await using var server = await StartAsync(log);
        using var channel = server.CreateChannel();

        using (var client = new MeteringClient(channel, CallLog.BillingKey))
        {
            Assert.Equal(2, (await client.Usage.GetUsageAsync(new GetUsageRequest())).Rows.Count);
        }

        using var again = new MeteringClient(channel, CallLog.BillingKey);
        Assert.Single((await again.Admin.ListHostsAsync(new ListHostsRequest())).Hosts);
        Assert.Equal(["/metering.v1.UsageService/GetUsage", "/metering.v1.AdminService/ListHosts"], log.Calls.Select(c => c.Method));
        Assert.All(log.Calls, c => Assert.Equal("Bearer " + CallLog.BillingKey, c.Authorization));
    }

    [Fact]
    public async Task CallInvokerWithInterceptor_EveryCallGoesThroughTheInterceptorAndTheChannelOutlivesTheClient()
    {
        var log = new CallLog();
        await using var server = await StartAsync(log);
        using var channel = server.CreateChannel();
        var interceptor = new RecordingInterceptor();

        using (var client = new MeteringClient(channel.Intercept(interceptor), CallLog.BillingKey))
        {
            await client.Admin.ListHostsAsync(new ListHostsRequest());
            await foreach (var _ in client.Usage.GetAllUsageAsync(new GetUsageRequest()))
            {
            }

            await client.Settlement.ListStatementsAsync(new ListStatementsRequest());
        }

        string[] expected =
        [
            "/metering.v1.AdminService/ListHosts", "/metering.v1.UsageService/GetUsage", "/metering.v1.UsageService/GetUsage",
            "/metering.v1.UsageService/GetUsage", "/metering.v1.SettlementService/ListStatements",
        ];
        Assert.Equal(expected, interceptor.Methods);
        Assert.Equal(expected, log.Calls.Select(c => c.Method));
        Assert.All(log.Calls, c => Assert.True(c.Intercepted && c.Authorization == "Bearer " + CallLog.BillingKey, c.ToString()));

        using var direct = new MeteringClient(channel, CallLog.BillingKey);
        await direct.Admin.ListHostsAsync(new ListHostsRequest());
        Assert.False(log.Calls.Last().Intercepted);
        Assert.Equal(expected.Length, interceptor.Methods.Count);
    }

    [Fact]
    public async Task OwnChannelOptions_AreUsedForTheChannelTheClientOpens()
    {
        var log = new CallLog();
        await using var server = await StartAsync(log);
        using var client = new MeteringClient(server.Address.ToString(), CallLog.BillingKey, new GrpcChannelOptions { MaxReceiveMessageSize = 16 });

        var ex = await Assert.ThrowsAsync<RpcException>(() => client.Usage.GetUsageAsync(new GetUsageRequest()));
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Single(log.Calls);
    }

    private static Task<InProcessServer> StartAsync(CallLog log)
        => FakeServer.StartAsync(
            services => services.AddSingleton(log),
            static app =>
            {
                app.MapGrpcService<FakeUsageService>();
                app.MapGrpcService<FakeAdminService>();
                app.MapGrpcService<FakeSettlementService>();
            });
}
