using System.Globalization;
using System.Text.RegularExpressions;
using Google.Protobuf.WellKnownTypes;
using Metering.Contracts.V1;
using Metering.Domain.Ingest;
using Grpc.Core;
using Metering.ServiceDefaults;
using Metering.Persistence;
using Metering.Persistence.Audit;
using Metering.Security;

namespace Metering.Service.Admin;

/// <summary>metering.v1.AdminService: hosts and API keys in PostgreSQL, and the audit trail of changes.</summary>
internal sealed partial class AdminGrpcService : AdminService.AdminServiceBase
{
    private const int MaxAuditFilterLength = 64;

    private readonly HostRepository _hosts;
    private readonly ApiKeyRepository _keys;
    private readonly AuditRepository _audit;
    private readonly ApiKeyAuthenticator _authenticator;
    private readonly TimeProvider _time;

    public AdminGrpcService(HostRepository hosts, ApiKeyRepository keys, AuditRepository audit, ApiKeyAuthenticator authenticator, TimeProvider time)
    {
        _hosts = hosts;
        _keys = keys;
        _audit = audit;
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
        if (!await _hosts.TryCreateAsync(host, context.GetCaller().AuditActor, context.CancellationToken))
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
        await _keys.CreateAsync(record, ApiKeySecrets.Hash(secret), context.GetCaller().AuditActor, context.CancellationToken);
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

        var revokedAt = await _keys.RevokeAsync(request.KeyId, Now(), context.GetCaller().AuditActor, context.CancellationToken)
            ?? throw RpcErrors.Plain(StatusCode.NotFound, $"key_id '{request.KeyId}' does not exist.");
        _authenticator.MarkRevoked(request.KeyId);
        return new RevokeApiKeyResponse { KeyId = request.KeyId, RevokedAt = Timestamp.FromDateTime(DateTime.SpecifyKind(revokedAt, DateTimeKind.Utc)) };
    }

    public override async Task<ListAuditEventsResponse> ListAuditEvents(ListAuditEventsRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var size = PageCursor.PageSize(request.PageSize, 100, 1000);
        DateTime? from = request.StartTime?.ToDateTime();
        DateTime? to = request.EndTime?.ToDateTime();
        if (from is { } start && to is { } end && end <= start)
        {
            throw RpcErrors.InvalidField("end_time", "must be after start_time", "OUT_OF_RANGE");
        }

        if (request.Action.Length > 0 && (request.Action.Length > MaxAuditFilterLength || !AuditActionFilter().IsMatch(request.Action)))
        {
            throw RpcErrors.InvalidField("action", "must be a dotted action such as 'api_key.revoke', or a prefix ending with '.' such as 'api_key.' (lower-case letters, '_' and '.')");
        }

        if (request.TargetType.Length > 0 && (request.TargetType.Length > MaxAuditFilterLength || !AuditTargetType().IsMatch(request.TargetType)))
        {
            throw RpcErrors.InvalidField("target_type", "must be a target type such as 'statement' (lower-case letters and '_')");
        }

        if (request.TargetId.Length > 0 && request.TargetType.Length == 0)
        {
            throw RpcErrors.InvalidField("target_id", "requires target_type");
        }

        if (request.TargetId.Length > 200)
        {
            throw RpcErrors.InvalidField("target_id", "must be at most 200 characters");
        }

        if (request.HostId.Length > 0 && !IngestIdentifiers.IsValidHostId(request.HostId))
        {
            throw RpcErrors.InvalidField("host_id", "must be 1 to 63 characters of [a-z0-9-], start with a letter and not end with '-'");
        }

        if (request.ActorKeyId.Length > MaxAuditFilterLength)
        {
            throw RpcErrors.InvalidField("actor_key_id", "must be at most 64 characters");
        }

        var hostId = request.HostId.Length > 0 ? request.HostId : null;
        if (caller.Role == CallerRole.Host)
        {
            if (hostId is not null)
            {
                caller.EnsureCanRead(hostId);
            }

            hostId = caller.HostId;
        }

        long? before = PageCursor.Read(request, request.PageToken, 1) is { } key
            ? long.TryParse(key[0], NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : throw RpcErrors.InvalidField("page_token", "is not a token of this request", "INVALID_PAGE_TOKEN")
            : null;
        var query = new AuditEventQuery(
            from,
            to,
            Optional(request.Action),
            Optional(request.TargetType),
            Optional(request.TargetId),
            hostId,
            Optional(request.ActorKeyId),
            before,
            size + 1);
        var page = await _audit.ListAsync(query, context.CancellationToken);
        var response = new ListAuditEventsResponse();
        response.Events.AddRange(page.Take(size).Select(ToWire));
        if (page.Count > size)
        {
            response.NextPageToken = PageCursor.Make(request, page[size - 1].EventId.ToString(CultureInfo.InvariantCulture));
        }

        return response;
    }

    private static string? Optional(string value) => value.Length > 0 ? value : null;

    private static AuditEvent ToWire(AuditEventRecord e) => new()
    {
        EventId = e.EventId,
        OccurredAt = Timestamp.FromDateTime(DateTime.SpecifyKind(e.OccurredAt, DateTimeKind.Utc)),
        ActorKeyId = e.ActorKeyId,
        ActorRole = e.ActorRole switch
        {
            "HOST" => Role.Host,
            "BILLING" => Role.Billing,
            "ADMIN" => Role.Admin,
            _ => Role.Unspecified,
        },
        Action = e.Action,
        TargetType = e.TargetType,
        TargetId = e.TargetId,
        HostId = e.HostId ?? string.Empty,
        SummaryJson = e.Summary,
    };

    [GeneratedRegex("^[a-z][a-z_]*(\\.[a-z][a-z_]*)*\\.?$", RegexOptions.CultureInvariant)]
    private static partial Regex AuditActionFilter();

    [GeneratedRegex("^[a-z][a-z_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex AuditTargetType();

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
