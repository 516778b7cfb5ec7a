using System.Net;
using Metering.Grpc;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Metering.Benchmarks;

/// <summary>
/// Calibration: bare Kestrel answering every request with a fixed empty gRPC message and grpc-status 0, no gRPC
/// runtime at all. Its calls/s under the same h2load run say how fast this machine is right now, so the
/// runtime's figure can be read as a ratio.
/// </summary>
internal sealed class BareKestrelServer : IAsyncDisposable
{
    private static readonly byte[] EmptyMessage = new byte[5];
    private readonly WebApplication _app;
    private long _calls;

    private BareKestrelServer(WebApplication app) => _app = app;

    public Uri Address { get; private set; } = null!;

    public long Calls => Interlocked.Read(ref _calls);

    public static async Task<BareKestrelServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.Sources.Clear();
        builder.WebHost.UseGrpcKestrelDefaults();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new BareKestrelServer(app);
        app.Run(async context =>
        {
            context.Response.ContentType = "application/grpc";
            await context.Response.BodyWriter.WriteAsync(EmptyMessage);
            context.Response.AppendTrailer("grpc-status", "0");
            Interlocked.Increment(ref server._calls);
        });
        await app.StartAsync();
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Address = new Uri($"http://127.0.0.1:{new Uri(bound).Port}");
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
