using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;
using Grpc.Health.V1;
using Metering.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Metering.Testing;
using Metering.Tests.Infrastructure;
using Metering.Tests.Ingest;
using Npgsql;
using Xunit;

namespace Metering.Tests.Security;

/// <summary>
/// docs/wire.md and the service comments of the protos, cell by cell: every caller (HOST, BILLING, ADMIN, the bootstrap
/// ADMIN, no key, a malformed header, an unknown key, a revoked key) against every RPC of the metering service.
/// A denied call must also leave no trace (no host, no key, no revocation).
/// </summary>
public sealed class RoleMatrixTests : IClassFixture<RoleMatrixTests.Fixture>
{
    private readonly Fixture _fixture;

    public RoleMatrixTests(Fixture fixture) => _fixture = fixture;

    public enum Who
    {
        HostKey,
        BillingKey,
        AdminKey,
        BootstrapAdminKey,
        NoKey,
        MalformedHeader,
        EmptyBearer,
        UnknownKey,
        RevokedKey,
    }

    public enum Api
    {
        StreamUsage,
        ReportUsage,
        GetUsageOwnHost,
        GetUsageOtherHost,
        GetUsageOwnAndOtherHost,
        GetUsageNoHost,
        CreateHost,
        ListHosts,
        CreateApiKey,
        RevokeApiKey,
        ListAuditEventsOwnHost,
        ListAuditEventsOtherHost,
        ListAuditEventsNoHost,
        HealthCheck,
    }

    /// <summary>The expected status of every cell, written out per caller.</summary>
    public static TheoryData<Who, Api, StatusCode> Matrix()
    {
        const StatusCode Ok = StatusCode.OK;
        const StatusCode Denied = StatusCode.PermissionDenied;
        var authenticated = new Dictionary<Who, Dictionary<Api, StatusCode>>
        {
            [Who.HostKey] = new()
            {
                [Api.StreamUsage] = Ok,
                [Api.ReportUsage] = Ok,
                [Api.GetUsageOwnHost] = Ok,
                [Api.GetUsageOtherHost] = Denied,
                [Api.GetUsageOwnAndOtherHost] = Denied,
                [Api.GetUsageNoHost] = Ok,
                [Api.CreateHost] = Denied,
                [Api.ListHosts] = Denied,
                [Api.CreateApiKey] = Denied,
                [Api.RevokeApiKey] = Denied,
                [Api.ListAuditEventsOwnHost] = Ok,
                [Api.ListAuditEventsOtherHost] = Denied,
                [Api.ListAuditEventsNoHost] = Ok,
                [Api.HealthCheck] = Ok,
            },
            [Who.BillingKey] = new()
            {
                [Api.StreamUsage] = Denied,
                [Api.ReportUsage] = Denied,
                [Api.GetUsageOwnHost] = Ok,
                [Api.GetUsageOtherHost] = Ok,
                [Api.GetUsageOwnAndOtherHost] = Ok,
                [Api.GetUsageNoHost] = Ok,
                [Api.CreateHost] = Denied,
                [Api.ListHosts] = Ok,
                [Api.CreateApiKey] = Denied,
                [Api.RevokeApiKey] = Denied,
                [Api.ListAuditEventsOwnHost] = Ok,
                [Api.ListAuditEventsOtherHost] = Ok,
                [Api.ListAuditEventsNoHost] = Ok,
                [Api.HealthCheck] = Ok,
            },
        };
        authenticated[Who.AdminKey] = new()
        {
            [Api.StreamUsage] = Denied,
            [Api.ReportUsage] = Denied,
            [Api.GetUsageOwnHost] = Ok,
            [Api.GetUsageOtherHost] = Ok,
            [Api.GetUsageOwnAndOtherHost] = Ok,
            [Api.GetUsageNoHost] = Ok,
            [Api.CreateHost] = Ok,
            [Api.ListHosts] = Ok,
            [Api.CreateApiKey] = Ok,
            [Api.RevokeApiKey] = Ok,
            [Api.ListAuditEventsOwnHost] = Ok,
            [Api.ListAuditEventsOtherHost] = Ok,
            [Api.ListAuditEventsNoHost] = Ok,
            [Api.HealthCheck] = Ok,
        };
        authenticated[Who.BootstrapAdminKey] = new(authenticated[Who.AdminKey]);

        var data = new TheoryData<Who, Api, StatusCode>();
        foreach (var who in Enum.GetValues<Who>())
        {
            foreach (var api in Enum.GetValues<Api>())
            {
                var expected = authenticated.TryGetValue(who, out var row)
                    ? row[api]
                    : api == Api.HealthCheck ? Ok : StatusCode.Unauthenticated;
                data.Add(who, api, expected);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Call_AnswersExactlyAsDesignSection7Says(Who who, Api api, StatusCode expected)
    {
        var options = _fixture.OptionsFor(who);
        var actual = await InvokeAsync(api, options, who);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public async Task HostKey_GetUsageWithoutHostIds_SeesOnlyItsOwnHost()
    {
        var response = await _fixture.Channel.Usage().GetUsageAsync(UsageRequest(), _fixture.OptionsFor(Who.HostKey)).ResponseAsync;
        var admin = await _fixture.Channel.Usage().GetUsageAsync(UsageRequest(), Rpc.As(MeteringServiceHost.AdminKey)).ResponseAsync;

        // Both hosts have usage (the fixture reported some for each); the HOST key sees its own only.
        Assert.Equal([Fixture.OtherHost, Fixture.OwnHost], admin.Rows.Select(r => r.HostId).Order(StringComparer.Ordinal));
        var row = Assert.Single(response.Rows);
        Assert.Equal(Fixture.OwnHost, row.HostId);
        Assert.Equal(admin.Rows.Single(r => r.HostId == Fixture.OwnHost).InputTokens, row.InputTokens);
    }

    private static GetUsageRequest UsageRequest(params string[] hosts)
    {
        var now = DateTime.UtcNow;
        var end = new DateTime(now.Year, now.Month, now.Day, now.Hour, 0, 0, DateTimeKind.Utc).AddHours(2);
        return new GetUsageRequest
        {
            StartTime = Timestamp.FromDateTime(end.AddDays(-2)),
            EndTime = Timestamp.FromDateTime(end),
            HostIds = { hosts },
            GroupBy = { UsageGroupBy.Host },
        };
    }

    /// <summary>
    /// Makes the call of one cell and returns its status. Only the call under test is caught: the checks around it
    /// (what an OK call returned, that a refused call left nothing behind) fail the test on their own.
    /// </summary>
    private async Task<StatusCode> InvokeAsync(Api api, CallOptions options, Who who)
    {
        var channel = _fixture.Channel;
        switch (api)
        {
            case Api.StreamUsage:
                {
                    var outcome = await IngestCalls.StreamAsync(channel, options, [IngestCalls.Batch("matrix-" + Guid.NewGuid().ToString("N"), 1, Rpc.Record("matrix-model", 3))]);
                    if (outcome.Status == StatusCode.OK)
                    {
                        Assert.Equal(IngestResult.Accepted, Assert.Single(outcome.Acks).Result);
                    }
                    else
                    {
                        Assert.Empty(outcome.Acks);
                    }

                    return outcome.Status;
                }

            case Api.ReportUsage:
                {
                    var (status, response) = await StatusOf(channel.Ingest().ReportUsageAsync(new ReportUsageRequest { IdempotencyKey = Guid.NewGuid().ToString(), Records = { Rpc.Record("matrix-model", 3) } }, options).ResponseAsync);
                    if (status == StatusCode.OK)
                    {
                        Assert.Equal(IngestResult.Accepted, response!.Result);
                    }

                    return status;
                }

            case Api.GetUsageOwnHost:
                return (await StatusOf(channel.Usage().GetUsageAsync(UsageRequest(Fixture.OwnHost), options).ResponseAsync)).Status;
            case Api.GetUsageOtherHost:
                return (await StatusOf(channel.Usage().GetUsageAsync(UsageRequest(Fixture.OtherHost), options).ResponseAsync)).Status;
            case Api.GetUsageOwnAndOtherHost:
                return (await StatusOf(channel.Usage().GetUsageAsync(UsageRequest(Fixture.OwnHost, Fixture.OtherHost), options).ResponseAsync)).Status;
            case Api.GetUsageNoHost:
                return (await StatusOf(channel.Usage().GetUsageAsync(UsageRequest(), options).ResponseAsync)).Status;
            case Api.CreateHost:
                return await CreateHostAsync(options);
            case Api.ListHosts:
                {
                    var (status, response) = await StatusOf(channel.Admin().ListHostsAsync(new ListHostsRequest(), options).ResponseAsync);
                    if (status == StatusCode.OK)
                    {
                        Assert.Contains(response!.Hosts, h => h.HostId == Fixture.OwnHost);
                    }

                    return status;
                }

            case Api.CreateApiKey:
                return await CreateApiKeyAsync(options);
            case Api.RevokeApiKey:
                return await RevokeApiKeyAsync(options);
            case Api.ListAuditEventsOwnHost:
                return await ListAuditEventsAsync(Fixture.OwnHost, options, who);
            case Api.ListAuditEventsOtherHost:
                return await ListAuditEventsAsync(Fixture.OtherHost, options, who);
            case Api.ListAuditEventsNoHost:
                return await ListAuditEventsAsync(string.Empty, options, who);
            case Api.HealthCheck:
                {
                    var (status, response) = await StatusOf(new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), options).ResponseAsync);
                    if (status == StatusCode.OK)
                    {
                        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response!.Status);
                    }

                    return status;
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(api), api, null);
        }
    }

    private static async Task<(StatusCode Status, T? Response)> StatusOf<T>(Task<T> call)
        where T : class
    {
        try
        {
            return (StatusCode.OK, await call);
        }
        catch (RpcException ex)
        {
            return (ex.StatusCode, null);
        }
    }

    private async Task<StatusCode> CreateHostAsync(CallOptions options)
    {
        var hostId = "matrix-new-" + Guid.NewGuid().ToString("N")[..12];
        var (status, response) = await StatusOf(_fixture.Channel.Admin().CreateHostAsync(new CreateHostRequest { HostId = hostId, DisplayName = "New" }, options).ResponseAsync);
        if (status == StatusCode.OK)
        {
            Assert.Equal(hostId, response!.Host.HostId);
        }

        Assert.Equal(status == StatusCode.OK, await _fixture.HostExistsAsync(hostId));
        return status;
    }

    private async Task<StatusCode> CreateApiKeyAsync(CallOptions options)
    {
        var before = await _fixture.CountKeysAsync();
        var (status, response) = await StatusOf(_fixture.Channel.Admin().CreateApiKeyAsync(new CreateApiKeyRequest { Role = Role.Billing, Description = "matrix" }, options).ResponseAsync);
        if (status == StatusCode.OK)
        {
            Assert.StartsWith("mtr_", response!.Secret, StringComparison.Ordinal);
        }

        Assert.Equal(status == StatusCode.OK ? before + 1 : before, await _fixture.CountKeysAsync());
        return status;
    }

    private async Task<StatusCode> RevokeApiKeyAsync(CallOptions options)
    {
        // A throwaway BILLING key as the target: after a refused revocation it must still work, after an allowed one not.
        var target = await _fixture.Channel.Admin().CreateApiKeyAsync(new CreateApiKeyRequest { Role = Role.Billing }, Rpc.As(MeteringServiceHost.AdminKey)).ResponseAsync;
        var (status, response) = await StatusOf(_fixture.Channel.Admin().RevokeApiKeyAsync(new RevokeApiKeyRequest { KeyId = target.ApiKey.KeyId }, options).ResponseAsync);
        var (targetStatus, _) = await StatusOf(_fixture.Channel.Usage().GetUsageAsync(UsageRequest(), Rpc.As(target.Secret)).ResponseAsync);
        if (status == StatusCode.OK)
        {
            Assert.Equal(target.ApiKey.KeyId, response!.KeyId);
            Assert.NotNull(response.RevokedAt);
            Assert.Equal(StatusCode.Unauthenticated, targetStatus);
        }
        else
        {
            Assert.Equal(StatusCode.OK, targetStatus);
        }

        return status;
    }

    /// <summary>
    /// Lists audit events (of <paramref name="hostId"/>, or unfiltered when empty). An allowed call returns the host's
    /// creation; a HOST key's answer is about its own host only, an unfiltered one of another role reaches further.
    /// </summary>
    private async Task<StatusCode> ListAuditEventsAsync(string hostId, CallOptions options, Who who)
    {
        var (status, response) = await StatusOf(_fixture.Channel.Admin().ListAuditEventsAsync(new ListAuditEventsRequest { HostId = hostId, Action = "host.create", PageSize = 1000 }, options).ResponseAsync);
        if (status == StatusCode.OK)
        {
            var hosts = response!.Events.Select(e => e.HostId).ToHashSet(StringComparer.Ordinal);
            Assert.Contains(hostId.Length > 0 ? hostId : Fixture.OwnHost, hosts);
            if (who == Who.HostKey)
            {
                Assert.Equal([Fixture.OwnHost], hosts);
            }
            else if (hostId.Length == 0)
            {
                Assert.Contains(Fixture.OtherHost, hosts);
            }
        }

        return status;
    }

    /// <summary>Two hosts with some usage each, and one key of every kind.</summary>
    public sealed class Fixture : MeteringServiceFixture
    {
        public const string OwnHost = "matrix-own";
        public const string OtherHost = "matrix-other";

        private readonly Dictionary<Who, CallOptions> _options = [];

        public CallOptions OptionsFor(Who who) => _options[who];

        protected override async Task OnStartedAsync()
        {
            var hostKey = await Rpc.CreateHostWithKeyAsync(Channel, OwnHost);
            var otherKey = await Rpc.CreateHostWithKeyAsync(Channel, OtherHost);
            await Channel.Ingest().ReportUsageAsync(new ReportUsageRequest { IdempotencyKey = "seed", Records = { Rpc.Record("seed", 11) } }, Rpc.As(hostKey)).ResponseAsync;
            await Channel.Ingest().ReportUsageAsync(new ReportUsageRequest { IdempotencyKey = "seed", Records = { Rpc.Record("seed", 22) } }, Rpc.As(otherKey)).ResponseAsync;

            // Used once (so it sits in the server's key cache), then revoked.
            var revoked = await Channel.Admin().CreateApiKeyAsync(new CreateApiKeyRequest { Role = Role.Host, HostId = OwnHost }, Rpc.As(MeteringServiceHost.AdminKey)).ResponseAsync;
            await Channel.Usage().GetUsageAsync(UsageRequest(), Rpc.As(revoked.Secret)).ResponseAsync;
            await Channel.Admin().RevokeApiKeyAsync(new RevokeApiKeyRequest { KeyId = revoked.ApiKey.KeyId }, Rpc.As(MeteringServiceHost.AdminKey)).ResponseAsync;

            _options[Who.HostKey] = Rpc.As(hostKey);
            _options[Who.BillingKey] = Rpc.As(await Rpc.CreateKeyAsync(Channel, Role.Billing));
            _options[Who.AdminKey] = Rpc.As(await Rpc.CreateKeyAsync(Channel, Role.Admin));
            _options[Who.BootstrapAdminKey] = Rpc.As(MeteringServiceHost.AdminKey);
            _options[Who.NoKey] = default;
            _options[Who.MalformedHeader] = new CallOptions(new Metadata { { "authorization", "Basic " + hostKey } });
            _options[Who.EmptyBearer] = new CallOptions(new Metadata { { "authorization", "Bearer " } });
            _options[Who.UnknownKey] = Rpc.As("mtr_0123456789abcdef_" + new string('x', 43));
            _options[Who.RevokedKey] = Rpc.As(revoked.Secret);
        }

        public async Task<bool> HostExistsAsync(string hostId)
        {
            await using var connection = new NpgsqlConnection(Service.Postgres);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT count(*) FROM hosts WHERE host_id = @id", connection);
            command.Parameters.AddWithValue("id", hostId);
            return (long)(await command.ExecuteScalarAsync())! == 1;
        }

        public async Task<long> CountKeysAsync()
        {
            await using var connection = new NpgsqlConnection(Service.Postgres);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT count(*) FROM api_keys", connection);
            return (long)(await command.ExecuteScalarAsync())!;
        }
    }
}
