using System.Net;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;
using Metering.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Metering.Testing;

/// <summary>
/// A real Kestrel server in this process on free loopback ports, with the Kestrel settings of the services: gRPC on
/// <see cref="Address"/> (h2c, or TLS with ALPN h2 when a certificate is given) and HTTP/1.1 on
/// <see cref="HttpAddress"/> (<c>/healthz</c>). Only the settings given are read (no appsettings.json). The hosts of
/// the metering and settlement services, and the fakes of the SDK tests, are built on it.
/// </summary>
public sealed class InProcessServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private InProcessServer(WebApplication app, Uri address, Uri httpAddress)
    {
        _app = app;
        Address = address;
        HttpAddress = httpAddress;
    }

    /// <summary>The gRPC endpoint: http://127.0.0.1:port (h2c) or https://127.0.0.1:port (TLS).</summary>
    public Uri Address { get; }

    /// <summary>The HTTP/1.1 endpoint (http://127.0.0.1:port).</summary>
    public Uri HttpAddress { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>
    /// Builds and starts a server: <paramref name="configureServices"/> registers what it serves, <paramref name="map"/>
    /// maps it, <paramref name="beforeStart"/> runs after the build (migrations).
    /// </summary>
    public static async Task<InProcessServer> StartAsync(
        IDictionary<string, string?> settings,
        Action<IServiceCollection, IConfiguration> configureServices,
        Action<WebApplication> map,
        Func<IServiceProvider, Task>? beforeStart = null,
        X509Certificate2? certificate = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseMeteringKestrelDefaults();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                if (certificate is not null)
                {
                    listen.UseHttps(certificate);
                }
            });
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http1);
        });

        // Stopping a server with open streams must not stall a test.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        configureServices(builder.Services, builder.Configuration);
        var app = builder.Build();
        try
        {
            if (beforeStart is not null)
            {
                await beforeStart(app.Services);
            }

            map(app);
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var ports = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)).Port).ToList();
        var grpc = certificate is null ? new Uri($"http://127.0.0.1:{ports[0]}") : new Uri($"https://127.0.0.1:{ports[0]}");
        return new InProcessServer(app, grpc, new Uri($"http://127.0.0.1:{ports[1]}"));
    }

    /// <summary>A new channel to <see cref="Address"/>; the caller disposes it.</summary>
    public GrpcChannel CreateChannel(GrpcChannelOptions? options = null) => GrpcChannel.ForAddress(Address, options ?? new GrpcChannelOptions());

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
