using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Metering.Contracts.V1;

namespace Metering.Client.Tests.Infrastructure;

/// <summary>AdminService answering every call with a fixed result, after <see cref="CallLog.Authorize"/>.</summary>
public sealed class FakeAdminService(CallLog log) : AdminService.AdminServiceBase
{
    public override Task<CreateHostResponse> CreateHost(CreateHostRequest request, ServerCallContext context)
    {
        log.Authorize(context);
        return Task.FromResult(new CreateHostResponse { Host = new Host { HostId = request.HostId, DisplayName = request.DisplayName, CreatedAt = Timestamp.FromDateTime(DateTime.UnixEpoch) } });
    }

    public override Task<ListHostsResponse> ListHosts(ListHostsRequest request, ServerCallContext context)
    {
        log.Authorize(context);
        return Task.FromResult(new ListHostsResponse { Hosts = { new Host { HostId = "acme-cloud" } } });
    }

    public override Task<CreateApiKeyResponse> CreateApiKey(CreateApiKeyRequest request, ServerCallContext context)
    {
        log.Authorize(context);
        return Task.FromResult(new CreateApiKeyResponse { ApiKey = new ApiKey { KeyId = "key-1", Role = request.Role, HostId = request.HostId }, Secret = "secret" });
    }

    public override Task<RevokeApiKeyResponse> RevokeApiKey(RevokeApiKeyRequest request, ServerCallContext context)
    {
        log.Authorize(context);
        return Task.FromResult(new RevokeApiKeyResponse { KeyId = request.KeyId });
    }
}
