using Metering.Client.Internal;
using Metering.Contracts.V1;

namespace Metering.Client;

/// <summary>
/// Calls <c>metering.v1.CorrectionService</c> (served by the settlement service); obtained from
/// <see cref="MeteringClient.Corrections"/>.
/// </summary>
public sealed class CorrectionClient
{
    private readonly AuthorizedCalls _calls;

    internal CorrectionClient(AuthorizedCalls calls) => _calls = calls;

    /// <summary>
    /// Records a correction of a host's usage: PROPOSED for a HOST key (its own host), APPROVED at once for BILLING and
    /// ADMIN.
    /// </summary>
    public Task<ProposeCorrectionResponse> ProposeCorrectionAsync(ProposeCorrectionRequest request, CancellationToken cancellationToken = default)
        => _calls.Corrections.ProposeCorrectionAsync(request, _calls.Options(cancellationToken)).ResponseAsync;

    /// <summary>Approves a PROPOSED correction; from then on it counts (BILLING, ADMIN).</summary>
    public Task<ApproveCorrectionResponse> ApproveCorrectionAsync(ApproveCorrectionRequest request, CancellationToken cancellationToken = default)
        => _calls.Corrections.ApproveCorrectionAsync(request, _calls.Options(cancellationToken)).ResponseAsync;

    /// <summary>Declines a PROPOSED correction with a reason; it never counts (BILLING, ADMIN).</summary>
    public Task<DeclineCorrectionResponse> DeclineCorrectionAsync(DeclineCorrectionRequest request, CancellationToken cancellationToken = default)
        => _calls.Corrections.DeclineCorrectionAsync(request, _calls.Options(cancellationToken)).ResponseAsync;

    /// <summary>Lists one page of corrections; a HOST key sees its own host's only.</summary>
    public Task<ListCorrectionsResponse> ListCorrectionsAsync(ListCorrectionsRequest request, CancellationToken cancellationToken = default)
        => _calls.Corrections.ListCorrectionsAsync(request, _calls.Options(cancellationToken)).ResponseAsync;

    /// <summary>The host accepts one of its FINAL statements as correct (HOST).</summary>
    public Task<AcknowledgeStatementResponse> AcknowledgeStatementAsync(AcknowledgeStatementRequest request, CancellationToken cancellationToken = default)
        => _calls.Corrections.AcknowledgeStatementAsync(request, _calls.Options(cancellationToken)).ResponseAsync;

    /// <summary>The host disputes one of its FINAL statements, whole or named lines (HOST).</summary>
    public Task<DisputeStatementResponse> DisputeStatementAsync(DisputeStatementRequest request, CancellationToken cancellationToken = default)
        => _calls.Corrections.DisputeStatementAsync(request, _calls.Options(cancellationToken)).ResponseAsync;

    /// <summary>Lists one page of disputes; a HOST key sees its own host's only.</summary>
    public Task<ListDisputesResponse> ListDisputesAsync(ListDisputesRequest request, CancellationToken cancellationToken = default)
        => _calls.Corrections.ListDisputesAsync(request, _calls.Options(cancellationToken)).ResponseAsync;

    /// <summary>Closes an OPEN dispute: RESOLVED by a correction (approved in the same step) or REJECTED (BILLING, ADMIN).</summary>
    public Task<ResolveDisputeResponse> ResolveDisputeAsync(ResolveDisputeRequest request, CancellationToken cancellationToken = default)
        => _calls.Corrections.ResolveDisputeAsync(request, _calls.Options(cancellationToken)).ResponseAsync;
}
