using Metering.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Metering.Client.Tests.Infrastructure;

/// <summary>Fake services on grpc-dotnet in an <see cref="InProcessServer"/> (h2c on a free loopback port).</summary>
public static class FakeServer
{
    /// <summary>Starts a server: <paramref name="register"/> adds what the fakes need, <paramref name="map"/> maps them (<c>MapGrpcService</c>).</summary>
    public static Task<InProcessServer> StartAsync(Action<IServiceCollection> register, Action<WebApplication> map)
        => InProcessServer.StartAsync(
            new Dictionary<string, string?>(),
            (services, _) =>
            {
                services.AddGrpc();
                register(services);
            },
            map);
}
