using Grpc.Health.V1;
using Metering.Grpc;
using Metering.Grpc.Health;
using Metering.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Metering.Tests.Grpc;

public sealed class HealthServiceTests
{
    private static readonly Method<HealthCheckRequest, HealthCheckResponse> Check = new(MethodType.Unary, "grpc.health.v1.Health", "Check", HealthCheckRequest.Parser, HealthCheckResponse.Parser);
    private static readonly Method<HealthCheckRequest, HealthCheckResponse> Watch = new(MethodType.ServerStreaming, "grpc.health.v1.Health", "Watch", HealthCheckRequest.Parser, HealthCheckResponse.Parser);

    [Fact]
    public async Task Check_WholeServer_IsServing()
    {
        await using var server = await TestServerHost.StartAsync(_ => { });
        using var channel = GrpcChannel.ForAddress(server.Address);
        var response = await channel.UnaryAsync(Check, new HealthCheckRequest());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task Check_UnknownService_IsNotFound()
    {
        await using var server = await TestServerHost.StartAsync(_ => { });
        using var channel = GrpcChannel.ForAddress(server.Address);
        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(Check, new HealthCheckRequest { Service = "no.such.Service" }));
        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        Assert.Contains("no.such.Service", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watch_SeesStatusChanges()
    {
        await using var server = await TestServerHost.StartAsync(_ => { });
        var registry = server.Services.GetRequiredService<HealthStatusRegistry>();
        registry.SetStatus("demo", HealthCheckResponse.Types.ServingStatus.Serving);
        using var channel = GrpcChannel.ForAddress(server.Address);
        using var call = channel.ServerStreaming(Watch, new HealthCheckRequest { Service = "demo" });
        Assert.True(await call.ResponseStream.MoveNext());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, call.ResponseStream.Current.Status);
        registry.SetStatus("demo", HealthCheckResponse.Types.ServingStatus.NotServing);
        Assert.True(await call.ResponseStream.MoveNext());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, call.ResponseStream.Current.Status);
    }
}
