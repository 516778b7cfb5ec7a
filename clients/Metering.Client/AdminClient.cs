using Metering.Client.Internal;
using Metering.Contracts.V1;

namespace Metering.Client;

/// <summary>Calls <c>metering.v1.AdminService</c>; obtained from <see cref="MeteringClient.Admin"/>.</summary>
public sealed class AdminClient
{
    private readonly AuthorizedCalls _calls;

    internal AdminClient(AuthorizedCalls calls) => _calls = calls;

    /// <summary>Registers a hosting partner. ALREADY_EXISTS if the host id is taken.</summary>
    public Task<CreateHostResponse> CreateHostAsync(CreateHostRequest request, CancellationToken cancellationToken = default)
        => _calls.Admin.CreateHostAsync(request, _calls.Options(cancellationToken)).ResponseAsync;

    /// <summary>Lists one page of hosts ordered by host id.</summary>
    public Task<ListHostsResponse> ListHostsAsync(ListHostsRequest request, CancellationToken cancellationToken = default)
        => _calls.Admin.ListHostsAsync(request, _calls.Options(cancellationToken)).ResponseAsync;

    /// <summary>
    /// Lists one page of audit events, newest first, filtered; a HOST key sees the events about its own host only.
    /// </summary>
    public Task<ListAuditEventsResponse> ListAuditEventsAsync(ListAuditEventsRequest request, CancellationToken cancellationToken = default)
        => _calls.Admin.ListAuditEventsAsync(request, _calls.Options(cancellationToken)).ResponseAsync;

    /// <summary>Issues an API key; the response carries its secret, shown this once only.</summary>
    public Task<CreateApiKeyResponse> CreateApiKeyAsync(CreateApiKeyRequest request, CancellationToken cancellationToken = default)
        => _calls.Admin.CreateApiKeyAsync(request, _calls.Options(cancellationToken)).ResponseAsync;

    /// <summary>Revokes an API key (a no-op for a revoked one). NOT_FOUND for an unknown key id.</summary>
    public Task<RevokeApiKeyResponse> RevokeApiKeyAsync(RevokeApiKeyRequest request, CancellationToken cancellationToken = default)
        => _calls.Admin.RevokeApiKeyAsync(request, _calls.Options(cancellationToken)).ResponseAsync;
}
