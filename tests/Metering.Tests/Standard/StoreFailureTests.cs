using System.Net;
using System.Net.Sockets;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Metering.Contracts.V1;
using Metering.ServiceDefaults;
using Metering.Testing;
using Metering.Tests.Infrastructure;
using Xunit;

namespace Metering.Tests.Standard;

/// <summary>
/// A store that does not answer ends a call with UNAVAILABLE (what clients retry), never UNKNOWN: PostgreSQL for the
/// admin calls and the key lookup of authentication, Redis for usage queries.
/// </summary>
public sealed class StoreFailureTests
{
    [Fact]
    public async Task PostgresUnreachable_AdminCallAndKeyLookup_AreUnavailable()
    {
        await using var service = await MeteringServiceHost.StartAsync(
            postgres: $"Host=127.0.0.1;Port={ClosedPort()};Username=metering;Database=metering;Timeout=1",
            settings: new Dictionary<string, string?> { ["Postgres:MigrateOnStart"] = "false" });
        using var channel = service.CreateChannel();

        var admin = await Assert.ThrowsAsync<RpcException>(async () => await channel.Admin().CreateHostAsync(new CreateHostRequest { HostId = "acme", DisplayName = "Acme" }, Rpc.As(MeteringServiceHost.AdminKey)));
        Assert.Equal(StatusCode.Unavailable, admin.StatusCode);
        Assert.Equal(StoreFailureInterceptor.Message, admin.Status.Detail);

        var lookup = await Assert.ThrowsAsync<RpcException>(async () => await channel.Usage().GetUsageAsync(new GetUsageRequest(), Rpc.As("mtr_0123456789abcdef_" + new string('x', 43))));
        Assert.Equal(StatusCode.Unavailable, lookup.StatusCode);
    }

    [Fact]
    public async Task RedisDown_UsageQuery_IsUnavailable()
    {
        await using var redis = await PrivateRedis.StartAsync();
        await using var service = await MeteringServiceHost.StartAsync(settings: new Dictionary<string, string?> { ["Redis:Configuration"] = redis.Address });
        using var channel = service.CreateChannel();
        var key = await Rpc.CreateHostWithKeyAsync(channel, "acme");
        await redis.StopAsync();

        var now = DateTime.UtcNow;
        var end = new DateTime(now.Year, now.Month, now.Day, now.Hour, 0, 0, DateTimeKind.Utc).AddHours(1);
        var request = new GetUsageRequest { StartTime = Timestamp.FromDateTime(end.AddDays(-1)), EndTime = Timestamp.FromDateTime(end) };
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await channel.Usage().GetUsageAsync(request, Calls.Bearer(key), deadline: DateTime.UtcNow.AddSeconds(30)));
        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
