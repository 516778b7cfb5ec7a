using Grpc.Net.Client;
using Metering.Domain.Settlement;
using Metering.Persistence;
using Metering.Security;
using Metering.Settlement;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;
using Metering.Persistence.Audit;

namespace Metering.Testing;

/// <summary>
/// The settlement service composed as its Program.cs does, in this process, on free ports, against the real
/// PostgreSQL (its own database), with a <see cref="TestClock"/> and the schedule off unless asked for.
/// </summary>
public sealed class SettlementServiceHost : IAsyncDisposable
{
    /// <summary>The bootstrap ADMIN key of every test host.</summary>
    public const string AdminKey = "test-bootstrap-admin-key-0123456789";

    private readonly InProcessServer _server;

    private SettlementServiceHost(InProcessServer server, string postgres, TestClock clock)
    {
        _server = server;
        Postgres = postgres;
        Clock = clock;
    }

    /// <summary>The gRPC endpoint.</summary>
    public Uri Address => _server.Address;

    /// <summary>The HTTP/1.1 endpoint (<c>/healthz</c>).</summary>
    public Uri HttpAddress => _server.HttpAddress;

    public string Postgres { get; }

    public TestClock Clock { get; }

    public IServiceProvider Services => _server.Services;

    /// <summary>Starts a service whose clock reads <paramref name="now"/>; <paramref name="settings"/> override configuration keys.</summary>
    public static async Task<SettlementServiceHost> StartAsync(DateTime now, IDictionary<string, string?>? settings = null, string? postgres = null)
    {
        var ownDatabase = postgres is null;
        postgres ??= await TestInfrastructure.CreateDatabaseAsync();
        var clock = new TestClock(now);
        var configuration = new Dictionary<string, string?>
        {
            ["Postgres:ConnectionString"] = postgres,
            ["Security:BootstrapAdminKey"] = AdminKey,
            ["Settlement:SchedulerEnabled"] = "false",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        try
        {
            var server = await InProcessServer.StartAsync(
                configuration,
                (services, config) =>
                {
                    services.AddSingleton<TimeProvider>(clock);
                    services.AddMeteringSettlement(config);
                },
                static app => app.MapMeteringSettlement(),
                static services => services.MigrateMeteringDatabaseAsync());
            return new SettlementServiceHost(server, postgres, clock);
        }
        catch when (ownDatabase)
        {
            await TestInfrastructure.DropDatabaseAsync(postgres);
            throw;
        }
    }

    /// <summary>A new channel to <see cref="Address"/>; the caller disposes it.</summary>
    public GrpcChannel CreateChannel(GrpcChannelOptions? options = null) => _server.CreateChannel(options);

    /// <summary>The actor of what the helpers below write: the bootstrap ADMIN key, as AdminService would record it.</summary>
    public static AuditActor BootstrapActor { get; } = new("bootstrap", "ADMIN");

    /// <summary>Creates a host (directly in the store, as AdminService would) and returns the secret of a HOST key for it.</summary>
    public async Task<string> CreateHostAsync(string hostId)
    {
        await Services.GetRequiredService<HostRepository>().TryCreateAsync(new HostRecord(hostId, hostId, DateTime.UtcNow), BootstrapActor, CancellationToken.None);
        return await CreateKeyAsync("HOST", hostId);
    }

    /// <summary>Creates an API key of <paramref name="role"/> ("HOST", "BILLING", "ADMIN") and returns its secret.</summary>
    public async Task<string> CreateKeyAsync(string role, string? hostId = null)
    {
        var (keyId, secret) = ApiKeySecrets.Generate();
        await Services.GetRequiredService<ApiKeyRepository>().CreateAsync(new ApiKeyRecord(keyId, role, hostId, "test", DateTime.UtcNow, null), ApiKeySecrets.Hash(secret), BootstrapActor, CancellationToken.None);
        return secret;
    }

    /// <summary>Adds usage to usage_hourly as the flusher does (summing into the bucket), creating the month partition if needed.</summary>
    public async Task AddUsageAsync(string hostId, string model, DateTime hour, long input = 0, long output = 0, long requests = 0, long billedMicros = 0)
    {
        const string sql = """
            SELECT usage_partition_for(@Hour);
            INSERT INTO usage_hourly (host_id, model, hour, input_tokens, output_tokens, requests, billed_micros, records)
            VALUES (@Host, @Model, @Hour, @In, @Out, @Requests, @Billed, 1)
            ON CONFLICT (host_id, hour, model) DO UPDATE SET
                input_tokens = usage_hourly.input_tokens + EXCLUDED.input_tokens,
                output_tokens = usage_hourly.output_tokens + EXCLUDED.output_tokens,
                requests = usage_hourly.requests + EXCLUDED.requests,
                billed_micros = usage_hourly.billed_micros + EXCLUDED.billed_micros,
                records = usage_hourly.records + 1;
            """;
        await using var connection = new NpgsqlConnection(Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter("Hour", NpgsqlDbType.TimestampTz) { Value = DateTime.SpecifyKind(hour, DateTimeKind.Utc) });
        command.Parameters.Add(new NpgsqlParameter("Host", NpgsqlDbType.Text) { Value = hostId });
        command.Parameters.Add(new NpgsqlParameter("Model", NpgsqlDbType.Text) { Value = model });
        command.Parameters.Add(new NpgsqlParameter("In", NpgsqlDbType.Bigint) { Value = input });
        command.Parameters.Add(new NpgsqlParameter("Out", NpgsqlDbType.Bigint) { Value = output });
        command.Parameters.Add(new NpgsqlParameter("Requests", NpgsqlDbType.Bigint) { Value = requests });
        command.Parameters.Add(new NpgsqlParameter("Billed", NpgsqlDbType.Bigint) { Value = billedMicros });
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Adds usage somewhere in the middle of <paramref name="month"/>.</summary>
    public Task AddUsageAsync(string hostId, string model, YearMonth month, long input = 0, long output = 0, long requests = 0, long billedMicros = 0)
        => AddUsageAsync(hostId, model, month.StartUtc.AddDays(9).AddHours(13), input, output, requests, billedMicros);

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        await TestInfrastructure.DropDatabaseAsync(Postgres);
    }
}
