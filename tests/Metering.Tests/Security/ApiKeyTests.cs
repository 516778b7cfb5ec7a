using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
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
/// API keys (docs/architecture.md, admin.proto): shown once and stored only hashed; revocation stops a key within 5 s,
/// open streams included, on every replica; CreateApiKey and CreateHost validate their input field by field.
/// </summary>
public sealed class ApiKeyTests : IClassFixture<MeteringServiceFixture>
{
    private static readonly TimeSpan RevocationDeadline = TimeSpan.FromSeconds(5);

    private readonly MeteringServiceFixture _fixture;

    public ApiKeyTests(MeteringServiceFixture fixture) => _fixture = fixture;

    private GrpcChannel Channel => _fixture.Channel;

    [Fact]
    public async Task CreateApiKey_SecretIsShownOnce_AndStoredOnlyAsItsSha256()
    {
        var (hostId, _) = await _fixture.NewHostAsync("keys-hash");
        var created = await Channel.Admin().CreateApiKeyAsync(new CreateApiKeyRequest { Role = Role.Host, HostId = hostId, Description = "gateway eu-1" }, Rpc.As(MeteringServiceHost.AdminKey)).ResponseAsync;
        var secret = created.Secret;
        Assert.StartsWith("mtr_", secret, StringComparison.Ordinal);
        Assert.True(secret.Length >= 40, secret);
        Assert.Equal(Role.Host, created.ApiKey.Role);
        Assert.Equal(hostId, created.ApiKey.HostId);
        Assert.Null(created.ApiKey.RevokedAt);
        await Channel.Usage().GetUsageAsync(UsageQuery(), Rpc.As(secret)).ResponseAsync;

        // The random part of the secret (after its public key id) appears nowhere in the database, as text or as
        // bytes; the row holds exactly SHA-256(secret).
        var randomPart = secret[(secret.LastIndexOf('_') + 1)..];
        await using var connection = new NpgsqlConnection(_fixture.Service.Postgres);
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand("SELECT tablename FROM pg_tables WHERE schemaname = 'public'", connection))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        Assert.Contains("api_keys", tables);
        foreach (var table in tables)
        {
            await using var search = new NpgsqlCommand($"SELECT count(*) FROM \"{table}\" t WHERE strpos(t::text, @a) > 0 OR strpos(t::text, @b) > 0 OR strpos(t::text, @c) > 0", connection);
            search.Parameters.AddWithValue("a", randomPart);
            search.Parameters.AddWithValue("b", Convert.ToHexStringLower(Encoding.UTF8.GetBytes(randomPart)));
            search.Parameters.AddWithValue("c", Convert.ToBase64String(Encoding.UTF8.GetBytes(secret)));
            Assert.Equal(0L, (long)(await search.ExecuteScalarAsync())!);
        }

        await using var row = new NpgsqlCommand("SELECT secret_hash, role, host_id, description FROM api_keys WHERE key_id = @id", connection);
        row.Parameters.AddWithValue("id", created.ApiKey.KeyId);
        await using var keyRow = await row.ExecuteReaderAsync();
        Assert.True(await keyRow.ReadAsync());
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(secret)), (byte[])keyRow[0]);
        Assert.Equal("HOST", keyRow.GetString(1));
        Assert.Equal(hostId, keyRow.GetString(2));
        Assert.Equal("gateway eu-1", keyRow.GetString(3));
    }

    [Fact]
    public async Task RevokedKey_EndsItsOpenStreamOnTheNextMessage_AndFailsUnaryCalls()
    {
        var (hostId, _) = await _fixture.NewHostAsync("keys-revoke");
        var key = await Channel.Admin().CreateApiKeyAsync(new CreateApiKeyRequest { Role = Role.Host, HostId = hostId }, Rpc.As(MeteringServiceHost.AdminKey)).ResponseAsync;
        using var call = Channel.Ingest().StreamUsage(Rpc.As(key.Secret));
        await call.RequestStream.WriteAsync(IngestCalls.Batch("gw", 1, Rpc.Record("m", 10)));
        Assert.True(await call.ResponseStream.MoveNext());
        Assert.Equal(IngestResult.Accepted, call.ResponseStream.Current.Result);

        await Channel.Admin().RevokeApiKeyAsync(new RevokeApiKeyRequest { KeyId = key.ApiKey.KeyId }, Rpc.As(MeteringServiceHost.AdminKey)).ResponseAsync;
        var sinceRevoked = Stopwatch.StartNew();
        await call.RequestStream.WriteAsync(IngestCalls.Batch("gw", 2, Rpc.Record("m", 1000)));
        var outcome = await IngestCalls.ReadAllAsync(call.ResponseStream);
        sinceRevoked.Stop();

        Assert.Equal(StatusCode.Unauthenticated, outcome.Status);
        Assert.Empty(outcome.Acks);
        Assert.True(sinceRevoked.Elapsed < RevocationDeadline, $"the stream ended {sinceRevoked.Elapsed} after the revocation");
        var unary = await Assert.ThrowsAsync<RpcException>(() => Channel.Ingest().ReportUsageAsync(new ReportUsageRequest { IdempotencyKey = "after-revoke", Records = { Rpc.Record("m", 5) } }, Rpc.As(key.Secret)).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, unary.StatusCode);
        Assert.Equal(10, (await _fixture.TotalsAsync(hostId)).InputTokens);
    }

    [Fact]
    public async Task KeyRevokedOnAnotherReplica_StopsOpenStreamAndCallsThere_WithinFiveSeconds()
    {
        var (hostId, _) = await _fixture.NewHostAsync("keys-replica");
        var key = await Channel.Admin().CreateApiKeyAsync(new CreateApiKeyRequest { Role = Role.Host, HostId = hostId }, Rpc.As(MeteringServiceHost.AdminKey)).ResponseAsync;
        await using var replica = await MeteringServiceHost.StartAsync(_fixture.Service.Postgres, _fixture.Service.RedisPrefix);
        using var replicaChannel = GrpcChannel.ForAddress(replica.Address);
        using var call = replicaChannel.Ingest().StreamUsage(Rpc.As(key.Secret));
        await call.RequestStream.WriteAsync(IngestCalls.Batch("gw", 1, Rpc.Record("m", 1)));
        Assert.True(await call.ResponseStream.MoveNext());
        Assert.Equal(IngestResult.Accepted, call.ResponseStream.Current.Result);

        // Revoked through the first replica; the second learns it only from PostgreSQL.
        await Channel.Admin().RevokeApiKeyAsync(new RevokeApiKeyRequest { KeyId = key.ApiKey.KeyId }, Rpc.As(MeteringServiceHost.AdminKey)).ResponseAsync;
        var sinceRevoked = Stopwatch.StartNew();
        var accepted = 1L;
        StreamOutcome? end = null;
        for (ulong sequence = 2; end is null && sinceRevoked.Elapsed < RevocationDeadline * 2; sequence++)
        {
            try
            {
                await call.RequestStream.WriteAsync(IngestCalls.Batch("gw", sequence, Rpc.Record("m", 1)));
                if (!await call.ResponseStream.MoveNext())
                {
                    end = new StreamOutcome([], null);
                    break;
                }

                Assert.Equal(sequence, call.ResponseStream.Current.Sequence);
                Assert.Equal(IngestResult.Accepted, call.ResponseStream.Current.Result);
                accepted++;
            }
            catch (RpcException ex)
            {
                end = new StreamOutcome([], ex);
                break;
            }

            await Task.Delay(100);
        }

        sinceRevoked.Stop();
        Assert.NotNull(end);
        Assert.Equal(StatusCode.Unauthenticated, end.Status);
        Assert.True(sinceRevoked.Elapsed < RevocationDeadline, $"the replica kept the stream open {sinceRevoked.Elapsed} after the revocation");
        var unary = await Assert.ThrowsAsync<RpcException>(() => replicaChannel.Usage().GetUsageAsync(UsageQuery(), Rpc.As(key.Secret)).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, unary.StatusCode);
        Assert.Equal(accepted, (await _fixture.TotalsAsync(hostId)).InputTokens);
    }

    [Fact]
    public async Task StreamOpenedBeforeTheKeyCacheRefreshed_IsStillEndedByRevocation()
    {
        // With a short cache lifetime the key is looked up again while the stream is open; the stream's caller
        // must still learn of the revocation.
        await using var service = await MeteringServiceHost.StartAsync(settings: new Dictionary<string, string?> { ["Security:KeyCacheLifetime"] = "00:00:00.200" });
        using var channel = GrpcChannel.ForAddress(service.Address);
        await channel.Admin().CreateHostAsync(new CreateHostRequest { HostId = "cache-refresh", DisplayName = "x" }, Rpc.As(MeteringServiceHost.AdminKey)).ResponseAsync;
        var key = await channel.Admin().CreateApiKeyAsync(new CreateApiKeyRequest { Role = Role.Host, HostId = "cache-refresh" }, Rpc.As(MeteringServiceHost.AdminKey)).ResponseAsync;
        using var call = channel.Ingest().StreamUsage(Rpc.As(key.Secret));
        await call.RequestStream.WriteAsync(IngestCalls.Batch("gw", 1, Rpc.Record("m", 1)));
        Assert.True(await call.ResponseStream.MoveNext());
        Assert.Equal(IngestResult.Accepted, call.ResponseStream.Current.Result);

        await Task.Delay(500);
        await channel.Usage().GetUsageAsync(UsageQuery(), Rpc.As(key.Secret)).ResponseAsync;
        await channel.Admin().RevokeApiKeyAsync(new RevokeApiKeyRequest { KeyId = key.ApiKey.KeyId }, Rpc.As(MeteringServiceHost.AdminKey)).ResponseAsync;
        var outcome = await SendAfterRevocationAsync(call, IngestCalls.Batch("gw", 2, Rpc.Record("m", 1000)));

        Assert.Equal(StatusCode.Unauthenticated, outcome.Status);
        Assert.Empty(outcome.Acks);
    }

    [Fact]
    public async Task StreamsOpenedConcurrentlyWithAFreshKey_AreAllEndedByRevocation()
    {
        // The first uses of a key race to look it up; every stream must still share its revocation.
        const int streams = 12;
        var (hostId, _) = await _fixture.NewHostAsync("keys-race");
        var key = await Channel.Admin().CreateApiKeyAsync(new CreateApiKeyRequest { Role = Role.Host, HostId = hostId }, Rpc.As(MeteringServiceHost.AdminKey)).ResponseAsync;
        var calls = Enumerable.Range(0, streams).Select(_ => Channel.Ingest().StreamUsage(Rpc.As(key.Secret))).ToList();
        try
        {
            await Task.WhenAll(calls.Select(async (call, i) =>
            {
                await call.RequestStream.WriteAsync(IngestCalls.Batch($"gw-{i}", 1, Rpc.Record("m", 1)));
                Assert.True(await call.ResponseStream.MoveNext());
                Assert.Equal(IngestResult.Accepted, call.ResponseStream.Current.Result);
            }));

            await Channel.Admin().RevokeApiKeyAsync(new RevokeApiKeyRequest { KeyId = key.ApiKey.KeyId }, Rpc.As(MeteringServiceHost.AdminKey)).ResponseAsync;
            var outcomes = await Task.WhenAll(calls.Select(async (call, i) =>
            {
                return await SendAfterRevocationAsync(call, IngestCalls.Batch($"gw-{i}", 2, Rpc.Record("m", 1000)));
            }));

            Assert.All(outcomes, o =>
            {
                Assert.Empty(o.Acks);
                Assert.Equal(StatusCode.Unauthenticated, o.Status);
            });
            Assert.Equal(streams, (await _fixture.TotalsAsync(hostId)).InputTokens);
        }
        finally
        {
            calls.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task RevokeTwice_ReturnsTheOriginalRevokedAt()
    {
        var key = await Channel.Admin().CreateApiKeyAsync(new CreateApiKeyRequest { Role = Role.Billing }, Rpc.As(MeteringServiceHost.AdminKey)).ResponseAsync;
        var first = await Channel.Admin().RevokeApiKeyAsync(new RevokeApiKeyRequest { KeyId = key.ApiKey.KeyId }, Rpc.As(MeteringServiceHost.AdminKey)).ResponseAsync;
        await Task.Delay(50);
        var second = await Channel.Admin().RevokeApiKeyAsync(new RevokeApiKeyRequest { KeyId = key.ApiKey.KeyId }, Rpc.As(MeteringServiceHost.AdminKey)).ResponseAsync;

        Assert.Equal(key.ApiKey.KeyId, second.KeyId);
        Assert.NotNull(first.RevokedAt);
        Assert.Equal(first.RevokedAt, second.RevokedAt);
        var revokedAt = first.RevokedAt.ToDateTime();
        Assert.InRange(revokedAt, key.ApiKey.CreatedAt.ToDateTime(), DateTime.UtcNow.AddSeconds(1));
    }

    [Theory]
    [InlineData("", StatusCode.InvalidArgument, "key_id")]
    [InlineData("key_0000000000000000", StatusCode.NotFound, null)]
    public async Task RevokeApiKey_MissingOrUnknownKeyId_IsRefused(string keyId, StatusCode expected, string? field)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => Channel.Admin().RevokeApiKeyAsync(new RevokeApiKeyRequest { KeyId = keyId }, Rpc.As(MeteringServiceHost.AdminKey)).ResponseAsync);
        Assert.Equal(expected, ex.StatusCode);
        if (field is not null)
        {
            Assert.Equal(field, Assert.Single(IngestCalls.FieldViolations(ex)).Field);
        }
    }

    public static TheoryData<Role, string, string, StatusCode, string?> InvalidKeyRequests() => new()
    {
        { Role.Unspecified, string.Empty, string.Empty, StatusCode.InvalidArgument, "role" },
        { (Role)42, string.Empty, string.Empty, StatusCode.InvalidArgument, "role" },
        { Role.Host, string.Empty, string.Empty, StatusCode.InvalidArgument, "host_id" },
        { Role.Billing, "keys-target", string.Empty, StatusCode.InvalidArgument, "host_id" },
        { Role.Admin, "keys-target", string.Empty, StatusCode.InvalidArgument, "host_id" },
        { Role.Billing, string.Empty, new string('d', 501), StatusCode.InvalidArgument, "description" },
        { Role.Host, "no-such-host", string.Empty, StatusCode.NotFound, null },
    };

    [Theory]
    [MemberData(nameof(InvalidKeyRequests))]
    public async Task CreateApiKey_InvalidRequest_IsRefusedNamingTheField_AndIssuesNoKey(Role role, string hostId, string description, StatusCode expected, string? field)
    {
        await EnsureHostAsync("keys-target");
        var before = await CountKeysAsync();
        var ex = await Assert.ThrowsAsync<RpcException>(() => Channel.Admin().CreateApiKeyAsync(new CreateApiKeyRequest { Role = role, HostId = hostId, Description = description }, Rpc.As(MeteringServiceHost.AdminKey)).ResponseAsync);

        Assert.Equal(expected, ex.StatusCode);
        if (field is not null)
        {
            var violation = Assert.Single(IngestCalls.FieldViolations(ex));
            Assert.Equal(field, violation.Field);
            Assert.False(string.IsNullOrWhiteSpace(violation.Description));
        }

        Assert.Equal(before, await CountKeysAsync());
    }

    [Fact]
    public async Task CreateApiKey_ValidRequestsAtTheLimits_IssueWorkingKeys()
    {
        await EnsureHostAsync("keys-target");
        var host = await Channel.Admin().CreateApiKeyAsync(new CreateApiKeyRequest { Role = Role.Host, HostId = "keys-target", Description = new string('d', 500) }, Rpc.As(MeteringServiceHost.AdminKey)).ResponseAsync;
        var billing = await Channel.Admin().CreateApiKeyAsync(new CreateApiKeyRequest { Role = Role.Billing }, Rpc.As(MeteringServiceHost.AdminKey)).ResponseAsync;
        var admin = await Channel.Admin().CreateApiKeyAsync(new CreateApiKeyRequest { Role = Role.Admin }, Rpc.As(MeteringServiceHost.AdminKey)).ResponseAsync;

        Assert.Equal(500, host.ApiKey.Description.Length);
        Assert.Equal(string.Empty, billing.ApiKey.HostId);
        Assert.Equal(3, new[] { host.ApiKey.KeyId, billing.ApiKey.KeyId, admin.ApiKey.KeyId }.Distinct().Count());
        Assert.Equal(3, new[] { host.Secret, billing.Secret, admin.Secret }.Distinct().Count());
        await Channel.Ingest().ReportUsageAsync(new ReportUsageRequest { IdempotencyKey = "k", Records = { Rpc.Record("m", 1) } }, Rpc.As(host.Secret)).ResponseAsync;
        await Channel.Usage().GetUsageAsync(UsageQuery(), Rpc.As(billing.Secret)).ResponseAsync;
        await Channel.Admin().ListHostsAsync(new ListHostsRequest(), Rpc.As(admin.Secret)).ResponseAsync;
    }

    public static TheoryData<string, string, string> InvalidHosts() => new()
    {
        { string.Empty, "Acme", "host_id" },
        { "Acme", "Acme", "host_id" },
        { "1acme", "Acme", "host_id" },
        { "-acme", "Acme", "host_id" },
        { "acme-", "Acme", "host_id" },
        { "ac_me", "Acme", "host_id" },
        { "acme cloud", "Acme", "host_id" },
        { "acmé", "Acme", "host_id" },
        { "a" + new string('b', 63), "Acme", "host_id" },
        { "acme-empty-name", string.Empty, "display_name" },
        { "acme-long-name", new string('n', 201), "display_name" },
    };

    [Theory]
    [MemberData(nameof(InvalidHosts))]
    public async Task CreateHost_InvalidField_IsInvalidArgumentNamingTheField_AndCreatesNothing(string hostId, string displayName, string field)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => Channel.Admin().CreateHostAsync(new CreateHostRequest { HostId = hostId, DisplayName = displayName }, Rpc.As(MeteringServiceHost.AdminKey)).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal(field, Assert.Single(IngestCalls.FieldViolations(ex)).Field);
        var hosts = await Channel.Admin().ListHostsAsync(new ListHostsRequest { PageSize = 1000 }, Rpc.As(MeteringServiceHost.AdminKey)).ResponseAsync;
        Assert.DoesNotContain(hosts.Hosts, h => h.HostId == hostId);
    }

    [Fact]
    public async Task CreateHost_AtTheLimits_IsCreated_AndATakenIdIsAlreadyExistsNamingHostId()
    {
        var hostId = "z" + new string('9', 61) + "a";
        var created = await Channel.Admin().CreateHostAsync(new CreateHostRequest { HostId = hostId, DisplayName = new string('N', 200) }, Rpc.As(MeteringServiceHost.AdminKey)).ResponseAsync;
        Assert.Equal(63, created.Host.HostId.Length);
        Assert.Equal(200, created.Host.DisplayName.Length);

        var ex = await Assert.ThrowsAsync<RpcException>(() => Channel.Admin().CreateHostAsync(new CreateHostRequest { HostId = hostId, DisplayName = "Someone else" }, Rpc.As(MeteringServiceHost.AdminKey)).ResponseAsync);
        Assert.Equal(StatusCode.AlreadyExists, ex.StatusCode);
        Assert.Equal("host_id", Assert.Single(IngestCalls.FieldViolations(ex)).Field);
        var hosts = await Channel.Admin().ListHostsAsync(new ListHostsRequest { PageSize = 1000 }, Rpc.As(MeteringServiceHost.AdminKey)).ResponseAsync;
        Assert.Equal(new string('N', 200), Assert.Single(hosts.Hosts, h => h.HostId == hostId).DisplayName);
    }

    /// <summary>Sends one batch on a stream whose key was just revoked, half-closes, and reads what comes back.</summary>
    private static async Task<StreamOutcome> SendAfterRevocationAsync(AsyncDuplexStreamingCall<StreamUsageRequest, StreamUsageResponse> call, StreamUsageRequest batch)
    {
        try
        {
            await call.RequestStream.WriteAsync(batch);
            await call.RequestStream.CompleteAsync();
        }
        catch (RpcException)
        {
            // Already ended by the server; the reader reports how.
        }

        return await IngestCalls.ReadAllAsync(call.ResponseStream).WaitAsync(RevocationDeadline);
    }

    private static GetUsageRequest UsageQuery()
    {
        var now = DateTime.UtcNow;
        var end = new DateTime(now.Year, now.Month, now.Day, now.Hour, 0, 0, DateTimeKind.Utc).AddHours(1);
        return new GetUsageRequest
        {
            StartTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(end.AddHours(-1)),
            EndTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(end),
        };
    }

    private async Task EnsureHostAsync(string hostId)
    {
        try
        {
            await Channel.Admin().CreateHostAsync(new CreateHostRequest { HostId = hostId, DisplayName = hostId }, Rpc.As(MeteringServiceHost.AdminKey)).ResponseAsync;
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.AlreadyExists)
        {
        }
    }

    private async Task<long> CountKeysAsync()
    {
        await using var connection = new NpgsqlConnection(_fixture.Service.Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM api_keys", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
