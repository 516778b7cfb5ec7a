using System.Net;
using Metering.Grpc;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Metering.Benchmarks;

/// <summary>grpc.testing.BenchmarkService on the project's runtime, h2c on a free loopback port, in this process.</summary>
internal sealed class BenchServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private BenchServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
        Service = app.Services.GetRequiredService<BenchmarkServiceImpl>();
        Counter = app.Services.GetRequiredService<OkCallCounter>();
    }

    public Uri Address { get; }

    public BenchmarkServiceImpl Service { get; }

    public OkCallCounter Counter { get; }

    public static async Task<BenchServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.Sources.Clear();
        builder.WebHost.UseGrpcKestrelDefaults();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddGrpcRuntime();
        builder.Services.AddGrpcInterceptor<OkCallCounter>();
        builder.Services.AddGrpcService<BenchmarkServiceImpl>(global::Grpc.Testing.BenchmarkServiceReflection.Descriptor.Services[0]);
        var app = builder.Build();
        app.RunGrpcServices();
        await app.StartAsync();
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new BenchServer(app, new Uri($"http://127.0.0.1:{new Uri(bound).Port}"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
