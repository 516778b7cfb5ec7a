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
        => _calls.Channel.UnaryAsync(MeteringMethods.UpsertAgreement, request, _calls.Options(cancellationToken));

    /// <summary>Lists one page of agreements (BILLING, ADMIN).</summary>
    public Task<ListAgreementsResponse> ListAgreementsAsync(ListAgreementsRequest request, CancellationToken cancellationToken = default)
        => _calls.Channel.UnaryAsync(MeteringMethods.ListAgreements, request, _calls.Options(cancellationToken));

    /// <summary>Computes a period's statements as DRAFT; safe to repeat (BILLING, ADMIN).</summary>
    public Task<RunSettlementResponse> RunSettlementAsync(RunSettlementRequest request, CancellationToken cancellationToken = default)
        => _calls.Channel.UnaryAsync(MeteringMethods.RunSettlement, request, _calls.Options(cancellationToken));

    /// <summary>One statement by id or by host and period.</summary>
    public Task<GetStatementResponse> GetStatementAsync(GetStatementRequest request, CancellationToken cancellationToken = default)
        => _calls.Channel.UnaryAsync(MeteringMethods.GetStatement, request, _calls.Options(cancellationToken));

    /// <summary>Lists one page of statements.</summary>
    public Task<ListStatementsResponse> ListStatementsAsync(ListStatementsRequest request, CancellationToken cancellationToken = default)
        => _calls.Channel.UnaryAsync(MeteringMethods.ListStatements, request, _calls.Options(cancellationToken));

    /// <summary>Freezes a DRAFT statement as FINAL (BILLING, ADMIN).</summary>
    public Task<FinalizeStatementResponse> FinalizeStatementAsync(FinalizeStatementRequest request, CancellationToken cancellationToken = default)
        => _calls.Channel.UnaryAsync(MeteringMethods.FinalizeStatement, request, _calls.Options(cancellationToken));
}
