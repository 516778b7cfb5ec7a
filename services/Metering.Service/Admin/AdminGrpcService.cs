using Google.Protobuf.WellKnownTypes;
using Metering.Contracts.V1;
using Metering.Domain.Ingest;
using Grpc.Core;
using Metering.ServiceDefaults;
using Metering.Persistence;
using Metering.Security;

namespace Metering.Service.Admin;

/// <summary>metering.v1.AdminService: hosts and API keys in PostgreSQL.</summary>
internal sealed class AdminGrpcService : AdminService.AdminServiceBase
{
    private readonly HostRepository _hosts;
    private readonly ApiKeyRepository _keys;
    private readonly ApiKeyAuthenticator _authenticator;
    private readonly TimeProvider _time;

    public AdminGrpcService(HostRepository hosts, ApiKeyRepository keys, ApiKeyAuthenticator authenticator, TimeProvider time)
    {
        _hosts = hosts;
        _keys = keys;
        _authenticator = authenticator;
        _time = time;
    }

    public override async Task<CreateHostResponse> CreateHost(CreateHostRequest request, ServerCallContext context)
    {
        if (!IngestIdentifiers.IsValidHostId(request.HostId))
        {
            throw RpcErrors.InvalidField("host_id", "must be 1 to 63 characters of [a-z0-9-], start with a letter and not end with '-'");
        }

        if (request.DisplayName.Length is 0 or > 200)
        {
            throw RpcErrors.InvalidField("display_name", "must be 1 to 200 characters");
        }

        var host = new HostRecord(request.HostId, request.DisplayName, Now());
        if (!await _hosts.TryCreateAsync(host, context.CancellationToken))
        {
            throw RpcErrors.WithFieldViolations(
                StatusCode.AlreadyExists,
                $"host_id '{request.HostId}' is taken.",
                [new Google.Rpc.BadRequest.Types.FieldViolation { Field = "host_id", Reason = "HOST_ID_TAKEN", Description = "a host with this host_id already exists" }]);
        }

        return new CreateHostResponse { Host = ToWire(host) };
    }

    public override async Task<ListHostsResponse> ListHosts(ListHostsRequest request, ServerCallContext context)
    {
        var size = PageCursor.PageSize(request.PageSize, 100, 1000);
        var after = PageCursor.Read(request, request.PageToken, 1)?[0] ?? string.Empty;
        var page = await _hosts.ListAsync(after, size + 1, context.CancellationToken);
        var response = new ListHostsResponse();
        response.Hosts.AddRange(page.Take(size).Select(ToWire));
        if (page.Count > size)
        {
            response.NextPageToken = PageCursor.Make(request, page[size - 1].HostId);
        }

        return response;
    }

    public override async Task<CreateApiKeyResponse> CreateApiKey(CreateApiKeyRequest request, ServerCallContext context)
    {
        var role = request.Role switch
        {
            Role.Host => CallerRole.Host,
            Role.Billing => CallerRole.Billing,
            Role.Admin => CallerRole.Admin,
            _ => throw RpcErrors.InvalidField("role", "must be ROLE_HOST, ROLE_BILLING or ROLE_ADMIN"),
        };
        if (role == CallerRole.Host && request.HostId.Length == 0)
        {
            throw RpcErrors.InvalidField("host_id", "is required for a HOST key");
        }

        if (role != CallerRole.Host && request.HostId.Length != 0)
        {
            throw RpcErrors.InvalidField("host_id", "must be empty for BILLING and ADMIN keys");
        }

        if (request.Description.Length > 500)
        {
            throw RpcErrors.InvalidField("description", "must be at most 500 characters");
        }

        if (role == CallerRole.Host && !await _hosts.ExistsAsync(request.HostId, context.CancellationToken))
        {
            throw RpcErrors.Plain(StatusCode.NotFound, $"host_id '{request.HostId}' does not exist.");
        }

        var (keyId, secret) = ApiKeySecrets.Generate();
        var record = new ApiKeyRecord(keyId, role.ToString().ToUpperInvariant(), role == CallerRole.Host ? request.HostId : null, request.Description, Now(), null);
        await _keys.CreateAsync(record, ApiKeySecrets.Hash(secret), context.CancellationToken);
        return new CreateApiKeyResponse
        {
            Secret = secret,
            ApiKey = new ApiKey
            {
                KeyId = keyId,
                Role = request.Role,
                HostId = record.HostId ?? string.Empty,
                Description = record.Description,
                CreatedAt = Timestamp.FromDateTime(record.CreatedAt),
            },
        };
    }

    public override async Task<RevokeApiKeyResponse> RevokeApiKey(RevokeApiKeyRequest request, ServerCallContext context)
    {
        if (request.KeyId.Length == 0)
        {
            throw RpcErrors.InvalidField("key_id", "is required");
        }

        var revokedAt = await _keys.RevokeAsync(request.KeyId, Now(), context.CancellationToken)
            ?? throw RpcErrors.Plain(StatusCode.NotFound, $"key_id '{request.KeyId}' does not exist.");
        _authenticator.MarkRevoked(request.KeyId);
        return new RevokeApiKeyResponse { KeyId = request.KeyId, RevokedAt = Timestamp.FromDateTime(DateTime.SpecifyKind(revokedAt, DateTimeKind.Utc)) };
    }

    private DateTime Now()
    {
        var now = _time.GetUtcNow().UtcDateTime;
        return new DateTime(now.Ticks - (now.Ticks % 10), DateTimeKind.Utc);
    }

    private static Metering.Contracts.V1.Host ToWire(HostRecord host) => new()
    {
        HostId = host.HostId,
        DisplayName = host.DisplayName,
        CreatedAt = Timestamp.FromDateTime(DateTime.SpecifyKind(host.CreatedAt, DateTimeKind.Utc)),
    };
}
