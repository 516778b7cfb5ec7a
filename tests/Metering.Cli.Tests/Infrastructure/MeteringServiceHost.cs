using System.Net;
using Metering.Grpc;
using Metering.Persistence;
using Metering.Service;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Metering.Cli.Tests.Infrastructure;

/// <summary>
/// The metering service composed as its Program.cs does, in this process, on a free port, against the real Redis (its
/// own key prefix) and PostgreSQL (its own database). The pattern of tests/Metering.Tests/Infrastructure.
/// </summary>
public sealed class MeteringServiceHost : IAsyncDisposable
{
    public const string AdminKey = "cli-test-bootstrap-admin-key-0123456789";

    private readonly WebApplication _app;

    private MeteringServiceHost(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<MeteringServiceHost> StartAsync()
    {
        var postgres = await TestInfrastructure.CreateDatabaseAsync();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Redis:Configuration"] = TestInfrastructure.Redis,
            ["Redis:KeyPrefix"] = TestInfrastructure.NewRedisPrefix(),
            ["Postgres:ConnectionString"] = postgres,
            ["Security:BootstrapAdminKey"] = AdminKey,
        });
        builder.WebHost.UseGrpcKestrelDefaults();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddMeteringService(builder.Configuration);
        var app = builder.Build();
        await app.Services.MigrateMeteringDatabaseAsync();
        app.RunGrpcServices();
        await app.StartAsync();
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new MeteringServiceHost(app, new Uri($"http://127.0.0.1:{new Uri(bound).Port}"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
