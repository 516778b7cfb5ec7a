using System.Diagnostics;
using System.Globalization;
using Metering.Domain.Settlement;
using Metering.Persistence;
using Metering.Persistence.Settlement;
using Metering.Settlement;
using Metering.Settlement.Application;
using Metering.Settlement.Telemetry;
using Metering.ServiceDefaults.Telemetry;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Metering.Persistence.Audit;

namespace Metering.Benchmarks;

/// <summary>
/// The settlement benchmark: 1,000 hosts × 20 models × every hour of last month in usage_hourly (binary COPY into a
/// fresh database, then VACUUM ANALYZE as autovacuum would have done over the month), an agreement per host (half
/// REPORTED with a minimum, half RATE_CARD with an exact and a "*" entry; two tiers), then one settlement run of that
/// month for all hosts, timed after a warm-up run of the (agreement-less) month before. The database is dropped
/// afterwards.
/// </summary>
internal static class SettlementBenchmark
{
    public const int Hosts = 1_000;
    public const int Models = 20;

    /// <summary>The audit actor of the seeded agreements.</summary>
    private static readonly AuditActor BenchmarkActor = new("benchmark", "ADMIN");

    /// <summary>Seeds, runs settlement for every host and returns the run's wall-clock seconds (seeding excluded).</summary>
    public static async Task<double> RunAsync(string postgresConnectionString, CancellationToken cancellationToken = default)
    {
        var database = "bench_settlement_" + Guid.NewGuid().ToString("N")[..12];
        await ExecuteAsync(postgresConnectionString, $"CREATE DATABASE {database}", cancellationToken);
        var connectionString = new NpgsqlConnectionStringBuilder(postgresConnectionString) { Database = database, CommandTimeout = 600 }.ConnectionString;
        try
        {
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            await new MigrationRunner(dataSource, NullLogger<MigrationRunner>.Instance).MigrateAsync(cancellationToken);
            var period = YearMonth.Of(DateTime.UtcNow).Previous();
            await SeedAsync(dataSource, period, cancellationToken);

            await using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
            var metrics = new SettlementMetrics(new ServiceMeter(services.GetRequiredService<IMeterFactory>(), SettlementTelemetry.ServiceName));
            var engine = new SettlementEngine(new SettlementRunStore(dataSource), metrics, TimeProvider.System, Options.Create(new SettlementOptions()));
            await engine.RunAsync(period.Previous(), null, AuditActor.SettlementSchedule, cancellationToken);
            var stopwatch = Stopwatch.StartNew();
            var result = await engine.RunAsync(period, null, AuditActor.SettlementSchedule, cancellationToken);
            stopwatch.Stop();
            if (result.Statements.Count != Hosts || result.Statements.Any(s => s.Lines.Count != Models))
            {
                throw new InvalidOperationException($"Expected {Hosts} statements of {Models} lines, got {result.Statements.Count}.");
            }

            return stopwatch.Elapsed.TotalSeconds;
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(postgresConnectionString, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)", CancellationToken.None);
        }
    }

    private static async Task SeedAsync(NpgsqlDataSource dataSource, YearMonth period, CancellationToken cancellationToken)
    {
        var hosts = Enumerable.Range(0, Hosts).Select(i => string.Create(CultureInfo.InvariantCulture, $"bench-host-{i:D4}")).ToList();
        var models = Enumerable.Range(0, Models).Select(i => string.Create(CultureInfo.InvariantCulture, $"bench/model-{i:D2}")).ToList();
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            await using (var writer = await connection.BeginBinaryImportAsync("COPY hosts (host_id, display_name, created_at) FROM STDIN (FORMAT BINARY)", cancellationToken))
            {
                foreach (var host in hosts)
                {
                    await writer.WriteRowAsync(cancellationToken, host, host, DateTime.UtcNow);
                }

                await writer.CompleteAsync(cancellationToken);
            }

            await using (var command = new NpgsqlCommand("SELECT usage_partition_for(@At)", connection))
            {
                command.Parameters.Add(new NpgsqlParameter("At", NpgsqlDbType.TimestampTz) { Value = period.StartUtc });
                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            // In primary-key order (host, hour, model), so the index grows at its right edge.
            var hours = (int)(period.EndUtc - period.StartUtc).TotalHours;
            await using (var writer = await connection.BeginBinaryImportAsync(
                "COPY usage_hourly (host_id, model, hour, input_tokens, output_tokens, requests, billed_micros, records) FROM STDIN (FORMAT BINARY)", cancellationToken))
            {
                for (var h = 0; h < hosts.Count; h++)
                {
                    for (var hour = 0; hour < hours; hour++)
                    {
                        var at = period.StartUtc.AddHours(hour);
                        for (var m = 0; m < models.Count; m++)
                        {
                            var requests = 1 + ((h + hour + m) % 50);
                            await writer.StartRowAsync(cancellationToken);
                            await writer.WriteAsync(hosts[h], NpgsqlDbType.Text, cancellationToken);
                            await writer.WriteAsync(models[m], NpgsqlDbType.Text, cancellationToken);
                            await writer.WriteAsync(at, NpgsqlDbType.TimestampTz, cancellationToken);
                            await writer.WriteAsync(requests * 1_200L, NpgsqlDbType.Bigint, cancellationToken);
                            await writer.WriteAsync(requests * 300L, NpgsqlDbType.Bigint, cancellationToken);
                            await writer.WriteAsync((long)requests, NpgsqlDbType.Bigint, cancellationToken);
                            await writer.WriteAsync(requests * 1_750L, NpgsqlDbType.Bigint, cancellationToken);
                            await writer.WriteAsync((long)requests, NpgsqlDbType.Bigint, cancellationToken);
                        }
                    }
                }

                await writer.CompleteAsync(cancellationToken);
            }

            await using (var command = new NpgsqlCommand("VACUUM (ANALYZE) usage_hourly; ANALYZE hosts", connection))
            {
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        var repository = new AgreementRepository(dataSource);
        var tiers = new List<ShareTier> { new(0m, 10m), new(1_000m, 15m) };
        var rateCard = new List<RateCardEntry> { new(RateCardEntry.Wildcard, 0.15m, 0.60m, 0m), new(models[0], 0.50m, 1.50m, 0.10m) };
        var usd = Currency.FromCode("USD");
        for (var h = 0; h < hosts.Count; h++)
        {
            var terms = h % 2 == 0
                ? new AgreementTerms(usd, RevenueBasis.Reported, [], tiers, 25m)
                : new AgreementTerms(usd, RevenueBasis.RateCard, rateCard, tiers, null);
            await repository.UpsertAsync(hosts[h], period, terms, DateTime.UtcNow, BenchmarkActor, _ => null, cancellationToken);
        }
    }

    private static async Task ExecuteAsync(string connectionString, string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
