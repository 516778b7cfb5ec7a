using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Metering.Contracts.V1;
using Metering.Grpc;
using Metering.Persistence;
using Metering.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Metering.Settlement.Tests.Infrastructure;

/// <summary>Method handles of SettlementService, built from the generated descriptor, and call helpers.</summary>
public static class SettlementRpc
{
    public static readonly Method<UpsertAgreementRequest, UpsertAgreementResponse> UpsertAgreement = Make<UpsertAgreementRequest, UpsertAgreementResponse>("UpsertAgreement");
    public static readonly Method<ListAgreementsRequest, ListAgreementsResponse> ListAgreements = Make<ListAgreementsRequest, ListAgreementsResponse>("ListAgreements");
    public static readonly Method<RunSettlementRequest, RunSettlementResponse> RunSettlement = Make<RunSettlementRequest, RunSettlementResponse>("RunSettlement");
    public static readonly Method<GetStatementRequest, GetStatementResponse> GetStatement = Make<GetStatementRequest, GetStatementResponse>("GetStatement");
    public static readonly Method<ListStatementsRequest, ListStatementsResponse> ListStatements = Make<ListStatementsRequest, ListStatementsResponse>("ListStatements");
    public static readonly Method<FinalizeStatementRequest, FinalizeStatementResponse> FinalizeStatement = Make<FinalizeStatementRequest, FinalizeStatementResponse>("FinalizeStatement");

    public static CallOptions As(string key) => new() { Headers = new Metadata { { "authorization", "Bearer " + key } } };

    public static CallOptions Admin => As(SettlementServiceHost.AdminKey);

    /// <summary>Creates a host (directly in the store, as AdminService would) and returns the secret of a HOST key for it.</summary>
    public static async Task<string> CreateHostAsync(this SettlementServiceHost host, string hostId)
    {
        await host.Services.GetRequiredService<HostRepository>().TryCreateAsync(new HostRecord(hostId, hostId, DateTime.UtcNow), CancellationToken.None);
        return await host.CreateKeyAsync("HOST", hostId);
    }

    /// <summary>Creates an API key of <paramref name="role"/> ("HOST", "BILLING", "ADMIN") and returns its secret.</summary>
    public static async Task<string> CreateKeyAsync(this SettlementServiceHost host, string role, string? hostId = null)
    {
        var (keyId, secret) = ApiKeySecrets.Generate();
        await host.Services.GetRequiredService<ApiKeyRepository>().CreateAsync(new ApiKeyRecord(keyId, role, hostId, "test", DateTime.UtcNow, null), ApiKeySecrets.Hash(secret), CancellationToken.None);
        return secret;
    }

    public static Task<UpsertAgreementResponse> UpsertAsync(this GrpcChannel channel, Agreement agreement, CallOptions? options = null)
        => channel.UnaryAsync(UpsertAgreement, new UpsertAgreementRequest { Agreement = agreement }, options ?? Admin);

    public static Task<RunSettlementResponse> RunAsync(this GrpcChannel channel, string period, params string[] hosts)
        => channel.UnaryAsync(RunSettlement, new RunSettlementRequest { Period = period, HostIds = { hosts } }, Admin);

    /// <summary>Runs settlement of <paramref name="period"/> for one host and returns its statement.</summary>
    public static async Task<Statement> RunOneAsync(this GrpcChannel channel, string period, string hostId)
        => Assert.Single((await channel.RunAsync(period, hostId)).Statements);

    public static async Task<Statement> GetAsync(this GrpcChannel channel, string hostId, string period, CallOptions? options = null)
        => (await channel.UnaryAsync(GetStatement, new GetStatementRequest { HostPeriod = new HostPeriod { HostId = hostId, Period = period } }, options ?? Admin)).Statement;

    public static async Task<Statement> FinalizeAsync(this GrpcChannel channel, string statementId, bool allowUnpriced = false, Timestamp? expectedComputedAt = null)
        => (await channel.UnaryAsync(FinalizeStatement, new FinalizeStatementRequest { StatementId = statementId, AllowUnpriced = allowUnpriced, ExpectedComputedAt = expectedComputedAt }, Admin)).Statement;

    /// <summary>The field paths of the BadRequest violations an error carries.</summary>
    public static IReadOnlyList<string> ViolatedFields(RpcException exception)
    {
        var fields = new List<string>();
        foreach (var detail in exception.Status.RichStatus?.Details ?? [])
        {
            if (detail.TryUnpack<Google.Rpc.BadRequest>(out var badRequest))
            {
                fields.AddRange(badRequest.FieldViolations.Select(v => v.Field));
            }
        }

        return fields;
    }

    private static Method<TRequest, TResponse> Make<TRequest, TResponse>(string name)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
        => Method<TRequest, TResponse>.FromDescriptor(
            SettlementReflection.Descriptor.Services[0].FindMethodByName(name),
            new MessageParser<TRequest>(() => new TRequest()),
            new MessageParser<TResponse>(() => new TResponse()));
}
