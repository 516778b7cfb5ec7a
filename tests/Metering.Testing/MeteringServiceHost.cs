using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;
using Metering.Persistence;
using Metering.Service;

namespace Metering.Testing;

/// <summary>
/// The metering service composed as its Program.cs does, in this process, on free ports, against the real Redis
/// (its own key prefix) and PostgreSQL (its own database unless one is given).
/// </summary>
public sealed class MeteringServiceHost : IAsyncDisposable
{
    /// <summary>The bootstrap ADMIN key of every test host.</summary>
    public const string AdminKey = "test-bootstrap-admin-key-0123456789";

    private readonly InProcessServer _server;

    private readonly bool _ownsDatabase;

    private MeteringServiceHost(InProcessServer server, string postgres, string redisPrefix, bool ownsDatabase)
    {
        _server = server;
        Postgres = postgres;
        RedisPrefix = redisPrefix;
        _ownsDatabase = ownsDatabase;
    }

    /// <summary>The gRPC endpoint.</summary>
    public Uri Address => _server.Address;

    /// <summary>The HTTP/1.1 endpoint (<c>/healthz</c>).</summary>
    public Uri HttpAddress => _server.HttpAddress;

    public string Postgres { get; }

    public string RedisPrefix { get; }

    public IServiceProvider Services => _server.Services;

    /// <summary>
    /// Starts a service. Give the <paramref name="postgres"/> database and <paramref name="redisPrefix"/> of another
    /// host to run a second replica over the same data (the host that created the database drops it when disposed,
    /// so dispose it last); <paramref name="settings"/> override configuration keys.
    /// </summary>
    public static async Task<MeteringServiceHost> StartAsync(string? postgres = null, string? redisPrefix = null, IDictionary<string, string?>? settings = null, X509Certificate2? certificate = null)
    {
        var ownsDatabase = postgres is null;
        postgres ??= await TestInfrastructure.CreateDatabaseAsync();
        redisPrefix ??= TestInfrastructure.NewRedisPrefix();
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

        try
        {
            var server = await InProcessServer.StartAsync(
                configuration,
                static (services, config) => services.AddMeteringService(config),
                static app => app.MapMeteringService(),
                static services => services.MigrateMeteringDatabaseAsync(),
                certificate);
            return new MeteringServiceHost(server, postgres, redisPrefix, ownsDatabase);
        }
        catch when (ownsDatabase)
        {
            await TestInfrastructure.DropDatabaseAsync(postgres);
            throw;
        }
    }

    /// <summary>A new channel to <see cref="Address"/>; the caller disposes it.</summary>
    public GrpcChannel CreateChannel(GrpcChannelOptions? options = null) => _server.CreateChannel(options);

    /// <summary>Stops the service; drops its database when this host created it.</summary>
    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        if (_ownsDatabase)
        {
            await TestInfrastructure.DropDatabaseAsync(Postgres);
        }
    }
}
