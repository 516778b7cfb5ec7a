using System.Security.Cryptography;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Metering.Contracts.V1;
using Metering.Testing;
using Metering.Tests.Infrastructure;
using Metering.Tests.Ingest;
using Npgsql;
using Xunit;

namespace Metering.Tests.Audit;

/// <summary>
/// AdminService's changes each write exactly one audit event with the caller as actor and no secret; a refused change
/// writes none; ListAuditEvents filters, pages newest first and shows a HOST key only its own host; and the table
/// refuses UPDATE, DELETE and TRUNCATE from the role the service connects as.
/// </summary>
public sealed class AuditTrailTests : IClassFixture<MeteringServiceFixture>
{
    private readonly MeteringServiceFixture _fixture;

    public AuditTrailTests(MeteringServiceFixture fixture) => _fixture = fixture;

    private AdminService.AdminServiceClient Admin => _fixture.Channel.Admin();

    private string Postgres => _fixture.Service.Postgres;

    [Fact]
    public async Task CreateHost_WritesOneEventByTheCaller()
    {
        var admin = await Admin.CreateApiKeyAsync(new CreateApiKeyRequest { Role = Role.Admin, Description = "audit admin" }, Rpc.As(MeteringServiceHost.AdminKey));

        var host = (await Admin.CreateHostAsync(new CreateHostRequest { HostId = "audit-host", DisplayName = "Audit Host" }, Rpc.As(admin.Secret))).Host;

        var e = Assert.Single(await AuditTrail.ForTargetAsync(Postgres, "host", "audit-host"));
        Assert.Equal(("host.create", admin.ApiKey.KeyId, "ADMIN", "audit-host"), (e.Action, e.ActorKeyId, e.ActorRole, e.HostId));
        Assert.Equal(host.CreatedAt.ToDateTime(), e.OccurredAt);
        Assert.False(e.Summary().TryGetProperty("before", out _));
        Assert.Equal("Audit Host", e.Summary().GetProperty("after").GetProperty("display_name").GetString());
    }

    [Fact]
    public async Task RefusedCreateHostOrKey_WritesNoEvent()
    {
        await Admin.CreateHostAsync(new CreateHostRequest { HostId = "audit-twice", DisplayName = "Twice" }, Rpc.As(MeteringServiceHost.AdminKey));
        var before = await AuditTrail.ReadAsync(Postgres);

        var taken = await Assert.ThrowsAsync<RpcException>(() => Admin.CreateHostAsync(new CreateHostRequest { HostId = "audit-twice", DisplayName = "Again" }, Rpc.As(MeteringServiceHost.AdminKey)).ResponseAsync);
        var unknownHost = await Assert.ThrowsAsync<RpcException>(() => Admin.CreateApiKeyAsync(new CreateApiKeyRequest { Role = Role.Host, HostId = "audit-nobody" }, Rpc.As(MeteringServiceHost.AdminKey)).ResponseAsync);
        var unknownKey = await Assert.ThrowsAsync<RpcException>(() => Admin.RevokeApiKeyAsync(new RevokeApiKeyRequest { KeyId = "key_0000000000000000" }, Rpc.As(MeteringServiceHost.AdminKey)).ResponseAsync);

        Assert.Equal([StatusCode.AlreadyExists, StatusCode.NotFound, StatusCode.NotFound], new[] { taken.StatusCode, unknownHost.StatusCode, unknownKey.StatusCode });
        Assert.Equal(before, await AuditTrail.ReadAsync(Postgres));
    }

    [Fact]
    public async Task CreateApiKey_WritesOneEventWithoutTheSecretOrItsHash()
    {
        var (hostId, _) = await _fixture.NewHostAsync("audit-key");

        var created = await Admin.CreateApiKeyAsync(new CreateApiKeyRequest { Role = Role.Host, HostId = hostId, Description = "gateway" }, Rpc.As(MeteringServiceHost.AdminKey));

        var e = Assert.Single(await AuditTrail.ForTargetAsync(Postgres, "api_key", created.ApiKey.KeyId));
        Assert.Equal(("api_key.create", "bootstrap", "ADMIN", hostId), (e.Action, e.ActorKeyId, e.ActorRole, e.HostId));
        var after = e.Summary().GetProperty("after");
        Assert.Equal(("HOST", hostId, "gateway"), (after.GetProperty("role").GetString(), after.GetProperty("host_id").GetString(), after.GetProperty("description").GetString()));
        AssertNoSecret(e.Summary, created.Secret);
    }

    [Fact]
    public async Task RevokeApiKey_WritesOneEvent_RevokingAgainWritesNone()
    {
        var key = await Admin.CreateApiKeyAsync(new CreateApiKeyRequest { Role = Role.Billing, Description = "to revoke" }, Rpc.As(MeteringServiceHost.AdminKey));

        var revoked = await Admin.RevokeApiKeyAsync(new RevokeApiKeyRequest { KeyId = key.ApiKey.KeyId }, Rpc.As(MeteringServiceHost.AdminKey));
        await Admin.RevokeApiKeyAsync(new RevokeApiKeyRequest { KeyId = key.ApiKey.KeyId }, Rpc.As(MeteringServiceHost.AdminKey));

        var events = await AuditTrail.ForTargetAsync(Postgres, "api_key", key.ApiKey.KeyId);
        Assert.Equal(["api_key.create", "api_key.revoke"], events.Select(e => e.Action));
        var revoke = events[1];
        Assert.Null(revoke.HostId);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, revoke.Summary().GetProperty("before").GetProperty("revoked_at").ValueKind);
        Assert.Equal(revoked.RevokedAt.ToDateTime(), DateTime.Parse(revoke.Summary().GetProperty("after").GetProperty("revoked_at").GetString()!, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal));
        AssertNoSecret(revoke.Summary, key.Secret);
    }

    [Fact]
    public async Task AuditEvents_CannotBeUpdatedDeletedOrTruncated_ByTheServiceRole()
    {
        await Admin.CreateHostAsync(new CreateHostRequest { HostId = "audit-immutable", DisplayName = "Immutable" }, Rpc.As(MeteringServiceHost.AdminKey));
        var before = await AuditTrail.ReadAsync(Postgres);
        string[] changes =
        [
            "UPDATE audit_events SET actor_key_id = 'forged' WHERE target_id = 'audit-immutable'",
            "DELETE FROM audit_events WHERE target_id = 'audit-immutable'",
            "TRUNCATE audit_events",
        ];

        await using var connection = new NpgsqlConnection(Postgres);
        await connection.OpenAsync();
        var role = await ScalarAsync(connection, "SELECT current_user");
        Assert.Equal(new NpgsqlConnectionStringBuilder(Postgres).Username, role);
        Assert.Equal(role, await ScalarAsync(connection, "SELECT tableowner FROM pg_tables WHERE tablename = 'audit_events'"));

        foreach (var sql in changes)
        {
            // Refused by privilege: the service's role (here also the table's owner) holds only SELECT and INSERT.
            var denied = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, null, sql));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, denied.SqlState);

            // And by the triggers, even after the owner grants itself the privilege back.
            await using var transaction = await connection.BeginTransactionAsync();
            await ExecuteAsync(connection, transaction, "GRANT UPDATE, DELETE, TRUNCATE ON audit_events TO CURRENT_USER");
            var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, transaction, sql));
            Assert.Equal("AU001", refused.SqlState);
            await transaction.RollbackAsync();
        }

        Assert.Equal(before, await AuditTrail.ReadAsync(Postgres));
    }

    [Fact]
    public async Task ListAuditEvents_HostKey_SeesOnlyEventsAboutItsOwnHost()
    {
        var (own, ownKey) = await _fixture.NewHostAsync("audit-own");
        var (other, _) = await _fixture.NewHostAsync("audit-other");
        var billing = await Admin.CreateApiKeyAsync(new CreateApiKeyRequest { Role = Role.Billing, Description = "about no host" }, Rpc.As(MeteringServiceHost.AdminKey));

        var seen = await ListAllAsync(new ListAuditEventsRequest(), ownKey);
        var filtered = await ListAllAsync(new ListAuditEventsRequest { HostId = own }, ownKey);
        var denied = await Assert.ThrowsAsync<RpcException>(() => Admin.ListAuditEventsAsync(new ListAuditEventsRequest { HostId = other }, Rpc.As(ownKey)).ResponseAsync);
        var everything = await ListAllAsync(new ListAuditEventsRequest(), MeteringServiceHost.AdminKey);

        Assert.Equal(["api_key.create", "host.create"], seen.Select(e => e.Action));
        Assert.All(seen, e => Assert.Equal(own, e.HostId));
        Assert.Equal(seen, filtered);
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        Assert.Contains(everything, e => e.HostId == other);
        Assert.Contains(everything, e => e.TargetId == billing.ApiKey.KeyId && e.HostId.Length == 0);
    }

    [Fact]
    public async Task ListAuditEvents_PagesNewestFirst_AndFilters()
    {
        var admin = await Admin.CreateApiKeyAsync(new CreateApiKeyRequest { Role = Role.Admin, Description = "pager" }, Rpc.As(MeteringServiceHost.AdminKey));
        var started = DateTime.UtcNow.AddSeconds(-1);
        for (var i = 0; i < 5; i++)
        {
            await Admin.CreateHostAsync(new CreateHostRequest { HostId = $"audit-page-{i}", DisplayName = "Page" }, Rpc.As(admin.Secret));
        }

        var key = await Admin.CreateApiKeyAsync(new CreateApiKeyRequest { Role = Role.Host, HostId = "audit-page-2" }, Rpc.As(admin.Secret));
        await Admin.RevokeApiKeyAsync(new RevokeApiKeyRequest { KeyId = key.ApiKey.KeyId }, Rpc.As(admin.Secret));

        // Paged two at a time: every event of the actor once, newest first.
        var request = new ListAuditEventsRequest { ActorKeyId = admin.ApiKey.KeyId, PageSize = 2 };
        var pages = new List<int>();
        var events = new List<AuditEvent>();
        do
        {
            var page = await Admin.ListAuditEventsAsync(request, Rpc.As(MeteringServiceHost.AdminKey));
            pages.Add(page.Events.Count);
            events.AddRange(page.Events);
            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0);

        Assert.Equal([2, 2, 2, 1], pages);
        Assert.Equal(events.Select(e => e.EventId).OrderDescending(), events.Select(e => e.EventId));
        Assert.Equal(
            ["api_key.revoke", "api_key.create", "host.create", "host.create", "host.create", "host.create", "host.create"],
            events.Select(e => e.Action));
        Assert.Equal(["audit-page-4", "audit-page-3", "audit-page-2", "audit-page-1", "audit-page-0"], events.Where(e => e.Action == "host.create").Select(e => e.TargetId));
        Assert.All(events, e => Assert.Equal((Role.Admin, admin.ApiKey.KeyId), (e.ActorRole, e.ActorKeyId)));

        // Filters: an exact action, an action prefix, a target, a host, a time range.
        Assert.Equal(5, (await ListAllAsync(new ListAuditEventsRequest { ActorKeyId = admin.ApiKey.KeyId, Action = "host.create" }, MeteringServiceHost.AdminKey)).Count);
        Assert.Equal(["api_key.revoke", "api_key.create"], (await ListAllAsync(new ListAuditEventsRequest { ActorKeyId = admin.ApiKey.KeyId, Action = "api_key." }, MeteringServiceHost.AdminKey)).Select(e => e.Action));
        Assert.Equal(["api_key.revoke", "api_key.create"], (await ListAllAsync(new ListAuditEventsRequest { TargetType = "api_key", TargetId = key.ApiKey.KeyId }, MeteringServiceHost.AdminKey)).Select(e => e.Action));
        Assert.Equal(["api_key.revoke", "api_key.create", "host.create"], (await ListAllAsync(new ListAuditEventsRequest { HostId = "audit-page-2" }, MeteringServiceHost.AdminKey)).Select(e => e.Action));
        var window = new ListAuditEventsRequest { ActorKeyId = admin.ApiKey.KeyId, StartTime = Timestamp.FromDateTime(started), EndTime = Timestamp.FromDateTime(DateTime.UtcNow.AddSeconds(1)) };
        Assert.Equal(7, (await ListAllAsync(window, MeteringServiceHost.AdminKey)).Count);
        Assert.Empty(await ListAllAsync(new ListAuditEventsRequest { ActorKeyId = admin.ApiKey.KeyId, EndTime = Timestamp.FromDateTime(started) }, MeteringServiceHost.AdminKey));
        Assert.Empty(await ListAllAsync(new ListAuditEventsRequest { ActorKeyId = admin.ApiKey.KeyId, StartTime = Timestamp.FromDateTime(DateTime.UtcNow.AddMinutes(1)) }, MeteringServiceHost.AdminKey));
    }

    [Theory]
    [InlineData("end_time")]
    [InlineData("action")]
    [InlineData("target_type")]
    [InlineData("target_id")]
    [InlineData("host_id")]
    [InlineData("actor_key_id")]
    [InlineData("page_size")]
    [InlineData("page_token")]
    public async Task ListAuditEvents_BadInput_IsInvalidArgumentNamingTheField(string field)
    {
        var now = DateTime.UtcNow;
        var request = field switch
        {
            "end_time" => new ListAuditEventsRequest { StartTime = Timestamp.FromDateTime(now), EndTime = Timestamp.FromDateTime(now) },
            "action" => new ListAuditEventsRequest { Action = "API_KEY.revoke" },
            "target_type" => new ListAuditEventsRequest { TargetType = "api-key" },
            "target_id" => new ListAuditEventsRequest { TargetId = "key_0123" },
            "host_id" => new ListAuditEventsRequest { HostId = "Bad_Host" },
            "actor_key_id" => new ListAuditEventsRequest { ActorKeyId = new string('k', 65) },
            "page_size" => new ListAuditEventsRequest { PageSize = -1 },
            _ => new ListAuditEventsRequest { PageToken = "not-a-token" },
        };

        var ex = await Assert.ThrowsAsync<RpcException>(() => Admin.ListAuditEventsAsync(request, Rpc.As(MeteringServiceHost.AdminKey)).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal([field], Calls.ViolatedFields(ex));
    }

    [Fact]
    public async Task ListAuditEvents_PageTokenOfAnotherQuery_IsRefused()
    {
        for (var i = 0; i < 3; i++)
        {
            await Admin.CreateHostAsync(new CreateHostRequest { HostId = $"audit-token-{i}", DisplayName = "Token" }, Rpc.As(MeteringServiceHost.AdminKey));
        }

        var first = await Admin.ListAuditEventsAsync(new ListAuditEventsRequest { Action = "host.create", PageSize = 1 }, Rpc.As(MeteringServiceHost.AdminKey));
        var ex = await Assert.ThrowsAsync<RpcException>(() => Admin.ListAuditEventsAsync(new ListAuditEventsRequest { Action = "api_key.create", PageSize = 1, PageToken = first.NextPageToken }, Rpc.As(MeteringServiceHost.AdminKey)).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal(["page_token"], Calls.ViolatedFields(ex));
    }

    /// <summary>The summary holds neither the secret, nor its SHA-256 (hex or base64), nor a property named like a secret.</summary>
    private static void AssertNoSecret(string text, string secret)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(secret));
        Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        Assert.DoesNotContain(secret.Split('_')[^1], text, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToHexStringLower(hash), text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Convert.ToBase64String(hash), text, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("hash", text, StringComparison.OrdinalIgnoreCase);
    }

    private async Task<List<AuditEvent>> ListAllAsync(ListAuditEventsRequest request, string key)
    {
        var events = new List<AuditEvent>();
        do
        {
            var page = await Admin.ListAuditEventsAsync(request, Rpc.As(key));
            events.AddRange(page.Events);
            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0);

        return events;
    }

    private static async Task<string> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync();
    }
}
