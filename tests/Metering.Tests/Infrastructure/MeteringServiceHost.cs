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

namespace Metering.Tests.Infrastructure;

/// <summary>
/// The metering service composed as Program.cs does, in this process, on a free port, against the real Redis
/// (its own key prefix) and PostgreSQL (its own database).
/// </summary>
public sealed class MeteringServiceHost : IAsyncDisposable
{
    public const string AdminKey = "test-bootstrap-admin-key-0123456789";

    private readonly WebApplication _app;

    private MeteringServiceHost(WebApplication app, Uri address, string postgres, string redisPrefix)
    {
        _app = app;
        Address = address;
        Postgres = postgres;
        RedisPrefix = redisPrefix;
    }

    public Uri Address { get; }

    public string Postgres { get; }

    public string RedisPrefix { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<MeteringServiceHost> StartAsync(string? postgres = null, string? redisPrefix = null, IDictionary<string, string?>? settings = null)
    {
        postgres ??= await TestInfrastructure.CreateDatabaseAsync();
        redisPrefix ??= TestInfrastructure.NewRedisPrefix();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var configuration = new Dictionary<string, string?>
        {
            ["Redis:Configuration"] = TestInfrastructure.Redis,
            ["Redis:KeyPrefix"] = redisPrefix,
            ["Postgres:ConnectionString"] = postgres,
            ["Security:BootstrapAdminKey"] = AdminKey,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.WebHost.UseGrpcKestrelDefaults();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddMeteringService(builder.Configuration);
        var app = builder.Build();
        await app.Services.MigrateMeteringDatabaseAsync();
        app.RunGrpcServices();
        await app.StartAsync();
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new MeteringServiceHost(app, new Uri($"http://127.0.0.1:{new Uri(bound).Port}"), postgres, redisPrefix);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
