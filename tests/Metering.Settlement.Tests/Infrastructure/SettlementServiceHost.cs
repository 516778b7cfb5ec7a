using System.Net;
using Metering.Domain.Settlement;
using Metering.Grpc;
using Metering.Persistence;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Metering.Settlement.Tests.Infrastructure;

/// <summary>
/// The settlement service composed as Program.cs does, in this process, on a free port, against the real
/// PostgreSQL (its own database), with a <see cref="TestClock"/> and the schedule off unless asked for.
/// </summary>
public sealed class SettlementServiceHost : IAsyncDisposable
{
    public const string AdminKey = "test-bootstrap-admin-key-0123456789";

    private readonly WebApplication _app;

    private SettlementServiceHost(WebApplication app, Uri address, string postgres, TestClock clock)
    {
        _app = app;
        Address = address;
        Postgres = postgres;
        Clock = clock;
    }

    public Uri Address { get; }

    public string Postgres { get; }

    public TestClock Clock { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<SettlementServiceHost> StartAsync(DateTime now, IDictionary<string, string?>? settings = null)
    {
        var postgres = await TestInfrastructure.CreateDatabaseAsync();
        var clock = new TestClock(now);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
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

        // Only these settings: the service's appsettings.json (copied next to the tests) would also bind its fixed port.
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.WebHost.UseGrpcKestrelDefaults();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.Services.AddMeteringSettlement(builder.Configuration);
        var app = builder.Build();
        try
        {
            await app.Services.MigrateMeteringDatabaseAsync();
            app.RunGrpcServices();
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            await TestInfrastructure.DropDatabaseAsync(postgres);
            throw;
        }

        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new SettlementServiceHost(app, new Uri($"http://127.0.0.1:{new Uri(bound).Port}"), postgres, clock);
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
        await _app.StopAsync();
        await _app.DisposeAsync();
        await TestInfrastructure.DropDatabaseAsync(Postgres);
    }
}
