using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Metering.Contracts.V1;
using Metering.Testing;

namespace Metering.Settlement.Tests.Infrastructure;

/// <summary>Call helpers over the generated SettlementService client; calls go as the bootstrap ADMIN unless options are given.</summary>
public static class SettlementRpc
{
    /// <summary>Call options of the bootstrap ADMIN key of every test host.</summary>
    public static CallOptions Admin => Calls.As(SettlementServiceHost.AdminKey);

    public static Task<UpsertAgreementResponse> UpsertAsync(this SettlementService.SettlementServiceClient client, Agreement agreement, CallOptions? options = null)
        => client.UpsertAgreementAsync(new UpsertAgreementRequest { Agreement = agreement }, options ?? Admin).ResponseAsync;

    public static Task<RunSettlementResponse> RunAsync(this SettlementService.SettlementServiceClient client, string period, params string[] hosts)
        => client.RunSettlementAsync(new RunSettlementRequest { Period = period, HostIds = { hosts } }, Admin).ResponseAsync;

    /// <summary>Runs settlement of <paramref name="period"/> for one host and returns its statement.</summary>
    public static async Task<Statement> RunOneAsync(this SettlementService.SettlementServiceClient client, string period, string hostId)
        => Assert.Single((await client.RunAsync(period, hostId)).Statements);

    public static async Task<Statement> GetAsync(this SettlementService.SettlementServiceClient client, string hostId, string period, CallOptions? options = null)
        => (await client.GetStatementAsync(new GetStatementRequest { HostPeriod = new HostPeriod { HostId = hostId, Period = period } }, options ?? Admin)).Statement;

    public static async Task<Statement> FinalizeAsync(this SettlementService.SettlementServiceClient client, string statementId, bool allowUnpriced = false, Timestamp? expectedComputedAt = null)
        => (await client.FinalizeStatementAsync(new FinalizeStatementRequest { StatementId = statementId, AllowUnpriced = allowUnpriced, ExpectedComputedAt = expectedComputedAt }, Admin)).Statement;
}
