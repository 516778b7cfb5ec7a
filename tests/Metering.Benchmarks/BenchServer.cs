using Metering.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Metering.Benchmarks;

/// <summary>grpc.testing.BenchmarkService on Grpc.AspNetCore (the services' Kestrel settings), h2c on a free loopback port, in this process.</summary>
internal sealed class BenchServer : IAsyncDisposable
{
    private readonly InProcessServer _server;

    private BenchServer(InProcessServer server)
    {
        _server = server;
        Service = server.Services.GetRequiredService<BenchmarkServiceImpl>();
        Counter = server.Services.GetRequiredService<OkCallCounter>();
    }

    public Uri Address => _server.Address;

    public BenchmarkServiceImpl Service { get; }

    public OkCallCounter Counter { get; }

    public static async Task<BenchServer> StartAsync()
    {
        var server = await InProcessServer.StartAsync(
            new Dictionary<string, string?>(),
            static (services, _) =>
            {
                services.AddSingleton<OkCallCounter>();
                services.AddSingleton<BenchmarkServiceImpl>();
                services.AddGrpc(options => options.Interceptors.Add<OkCallCounter>());
            },
            static app => app.MapGrpcService<BenchmarkServiceImpl>());
        return new BenchServer(server);
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
