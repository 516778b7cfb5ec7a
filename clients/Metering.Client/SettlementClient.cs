using Metering.Client.Internal;
using Metering.Contracts.V1;

namespace Metering.Client;

/// <summary>Calls <c>metering.v1.SettlementService</c>; obtained from <see cref="MeteringClient.Settlement"/>.</summary>
public sealed class SettlementClient
{
    private readonly AuthorizedCalls _calls;

    internal SettlementClient(AuthorizedCalls calls) => _calls = calls;

    /// <summary>Creates or replaces a host's agreement effective from a month (ADMIN).</summary>
    public Task<UpsertAgreementResponse> UpsertAgreementAsync(UpsertAgreementRequest request, CancellationToken cancellationToken = default)
        => _calls.Settlement.UpsertAgreementAsync(request, _calls.Options(cancellationToken)).ResponseAsync;

    /// <summary>Lists one page of agreements (BILLING, ADMIN).</summary>
    public Task<ListAgreementsResponse> ListAgreementsAsync(ListAgreementsRequest request, CancellationToken cancellationToken = default)
        => _calls.Settlement.ListAgreementsAsync(request, _calls.Options(cancellationToken)).ResponseAsync;

    /// <summary>Computes a period's statements as DRAFT; safe to repeat (BILLING, ADMIN).</summary>
    public Task<RunSettlementResponse> RunSettlementAsync(RunSettlementRequest request, CancellationToken cancellationToken = default)
        => _calls.Settlement.RunSettlementAsync(request, _calls.Options(cancellationToken)).ResponseAsync;

    /// <summary>One statement by id or by host and period.</summary>
    public Task<GetStatementResponse> GetStatementAsync(GetStatementRequest request, CancellationToken cancellationToken = default)
        => _calls.Settlement.GetStatementAsync(request, _calls.Options(cancellationToken)).ResponseAsync;

    /// <summary>Lists one page of statements.</summary>
    public Task<ListStatementsResponse> ListStatementsAsync(ListStatementsRequest request, CancellationToken cancellationToken = default)
        => _calls.Settlement.ListStatementsAsync(request, _calls.Options(cancellationToken)).ResponseAsync;

    /// <summary>Freezes a DRAFT statement as FINAL (BILLING, ADMIN).</summary>
    public Task<FinalizeStatementResponse> FinalizeStatementAsync(FinalizeStatementRequest request, CancellationToken cancellationToken = default)
        => _calls.Settlement.FinalizeStatementAsync(request, _calls.Options(cancellationToken)).ResponseAsync;
}
