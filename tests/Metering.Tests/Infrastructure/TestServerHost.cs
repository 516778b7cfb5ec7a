using System.Net;
using System.Security.Cryptography.X509Certificates;
using Metering.Grpc;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Metering.Tests.Infrastructure;

/// <summary>A real Kestrel server with the project's gRPC runtime on a free loopback port (h2c, or TLS with ALPN h2).</summary>
public sealed class TestServerHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestServerHost(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<TestServerHost> StartAsync(Action<IServiceCollection> configureServices, X509Certificate2? certificate = null, Action<GrpcServerOptions>? configureGrpc = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.Sources.Clear();
        builder.WebHost.UseGrpcKestrelDefaults();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            if (certificate is not null)
            {
                listen.UseHttps(certificate);
            }
        }));
        builder.Services.AddGrpcRuntime(configureGrpc);
        configureServices(builder.Services);
        var app = builder.Build();
        app.RunGrpcServices();
        await app.StartAsync();
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(bound.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)).Port;
        var scheme = certificate is null ? "http" : "https";
        return new TestServerHost(app, new Uri($"{scheme}://127.0.0.1:{port}"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
