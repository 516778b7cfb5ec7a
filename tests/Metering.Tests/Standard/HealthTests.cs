using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using Grpc.Health.V1;
using Metering.Testing;
using Xunit;

namespace Metering.Tests.Standard;

/// <summary>
/// grpc.health.v1 (Grpc.AspNetCore.HealthChecks over the service's ASP.NET Core health checks) and the HTTP
/// <c>/healthz</c> of the HTTP/1.1 endpoint: SERVING / 200 while Redis and PostgreSQL answer, NOT_SERVING / 503 while
/// either does not, and SERVING again once it is back.
/// </summary>
public sealed class HealthTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(20) };

    [Fact]
    public async Task Check_WholeServerAndEachService_IsServing()
    {
        await using var service = await MeteringServiceHost.StartAsync();
        using var channel = service.CreateChannel();
        var health = new Health.HealthClient(channel);
        foreach (var name in new[] { string.Empty, "metering.v1.IngestService", "metering.v1.UsageService", "metering.v1.AdminService" })
        {
            var response = await health.CheckAsync(new HealthCheckRequest { Service = name });
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
        }

        using var healthz = await Http.GetAsync(new Uri(service.HttpAddress, "/healthz"));
        Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);
        Assert.Equal("Healthy", await healthz.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Check_UnknownService_IsNotFound()
    {
        await using var service = await MeteringServiceHost.StartAsync();
        using var channel = service.CreateChannel();
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest { Service = "no.such.Service" }));
        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
    }

    [Fact]
    public async Task RedisDown_IsNotServing_ThenServingWhenItIsBack()
    {
        await using var redis = await PrivateRedis.StartAsync();
        await using var service = await MeteringServiceHost.StartAsync(settings: new Dictionary<string, string?> { ["Redis:Configuration"] = redis.Address });
        using var channel = service.CreateChannel();
        var health = new Health.HealthClient(channel);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest())).Status);

        await redis.StopAsync();
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, (await health.CheckAsync(new HealthCheckRequest())).Status);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, (await health.CheckAsync(new HealthCheckRequest { Service = "metering.v1.IngestService" })).Status);
        using (var healthz = await Http.GetAsync(new Uri(service.HttpAddress, "/healthz")))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, healthz.StatusCode);
        }

        await redis.RestartAsync();
        await WaitForAsync(async () => (await health.CheckAsync(new HealthCheckRequest())).Status == HealthCheckResponse.Types.ServingStatus.Serving);
    }

    [Fact]
    public async Task PostgresUnreachable_IsNotServing()
    {
        using var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        await using var service = await MeteringServiceHost.StartAsync(
            postgres: $"Host=127.0.0.1;Port={port};Username=metering;Database=metering;Timeout=1",
            settings: new Dictionary<string, string?> { ["Postgres:MigrateOnStart"] = "false" });
        using var channel = service.CreateChannel();
        var response = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, response.Status);
        using var healthz = await Http.GetAsync(new Uri(service.HttpAddress, "/healthz"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, healthz.StatusCode);
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), "the condition did not hold within 30 s");
            await Task.Delay(200);
        }
    }
}
