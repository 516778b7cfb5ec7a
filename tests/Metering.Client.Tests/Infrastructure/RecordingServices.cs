using System.Collections.Concurrent;
using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Metering.Contracts.V1;
using Metering.Grpc;

namespace Metering.Client.Tests.Infrastructure;

/// <summary>Every call the fake admin, usage and settlement services received: the RPC and its authorization header.</summary>
public sealed class CallLog
{
    public const string BillingKey = "billing-key-for-clients";

    public ConcurrentQueue<(string Method, string? Authorization)> Calls { get; } = new();

    public ConcurrentQueue<GetUsageRequest> UsageRequests { get; } = new();

    public void Authorize(ServerCallContext context)
    {
        var authorization = context.GetRequestHeader("authorization");
        Calls.Enqueue((context.Method, authorization));
        if (authorization != "Bearer " + BillingKey)
        {
            throw new RpcException(StatusCode.Unauthenticated, "Missing or unknown API key.");
        }
    }
}

/// <summary>UsageService with three pages of two rows; page tokens are "page-1" and "page-2".</summary>
public sealed class FakeUsageService(CallLog log)
{
    public Task<GetUsageResponse> GetUsage(GetUsageRequest request, ServerCallContext context)
    {
        log.Authorize(context);
        log.UsageRequests.Enqueue(request.Clone());
        var page = request.PageToken.Length == 0 ? 0 : int.Parse(request.PageToken["page-".Length..], CultureInfo.InvariantCulture);
        var response = new GetUsageResponse { NextPageToken = page < 2 ? $"page-{page + 1}" : string.Empty };
        for (var i = 0; i < 2; i++)
        {
            response.Rows.Add(new UsageRow { Model = $"model-{(page * 2) + i}", InputTokens = (page * 2) + i });
        }

        return Task.FromResult(response);
    }
}

public sealed class FakeAdminService(CallLog log)
{
    public Task<CreateHostResponse> CreateHost(CreateHostRequest request, ServerCallContext context)
    {
        log.Authorize(context);
        return Task.FromResult(new CreateHostResponse { Host = new Host { HostId = request.HostId, DisplayName = request.DisplayName, CreatedAt = Timestamp.FromDateTime(DateTime.UnixEpoch) } });
    }

    public Task<ListHostsResponse> ListHosts(ListHostsRequest request, ServerCallContext context)
    {
        log.Authorize(context);
        return Task.FromResult(new ListHostsResponse { Hosts = { new Host { HostId = "acme-cloud" } } });
    }

    public Task<CreateApiKeyResponse> CreateApiKey(CreateApiKeyRequest request, ServerCallContext context)
    {
        log.Authorize(context);
        return Task.FromResult(new CreateApiKeyResponse { ApiKey = new ApiKey { KeyId = "key-1", Role = request.Role, HostId = request.HostId }, Secret = "secret" });
    }

    public Task<RevokeApiKeyResponse> RevokeApiKey(RevokeApiKeyRequest request, ServerCallContext context)
    {
        log.Authorize(context);
        return Task.FromResult(new RevokeApiKeyResponse { KeyId = request.KeyId });
    }
}

public sealed class FakeSettlementService(CallLog log)
{
    public Task<UpsertAgreementResponse> UpsertAgreement(UpsertAgreementRequest request, ServerCallContext context)
    {
        log.Authorize(context);
        return Task.FromResult(new UpsertAgreementResponse { Agreement = request.Agreement, Created = true });
    }

    public Task<ListAgreementsResponse> ListAgreements(ListAgreementsRequest request, ServerCallContext context)
    {
        log.Authorize(context);
        return Task.FromResult(new ListAgreementsResponse());
    }

    public Task<RunSettlementResponse> RunSettlement(RunSettlementRequest request, ServerCallContext context)
    {
        log.Authorize(context);
        return Task.FromResult(new RunSettlementResponse());
    }

    public Task<GetStatementResponse> GetStatement(GetStatementRequest request, ServerCallContext context)
    {
        log.Authorize(context);
        return Task.FromResult(new GetStatementResponse { Statement = new Statement { StatementId = request.StatementId } });
    }

    public Task<ListStatementsResponse> ListStatements(ListStatementsRequest request, ServerCallContext context)
    {
        log.Authorize(context);
        return Task.FromResult(new ListStatementsResponse());
    }

    public Task<FinalizeStatementResponse> FinalizeStatement(FinalizeStatementRequest request, ServerCallContext context)
    {
        log.Authorize(context);
        return Task.FromResult(new FinalizeStatementResponse { Statement = new Statement { StatementId = request.StatementId } });
    }
}
