using System.Diagnostics;
using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Metering.Contracts.V1;
using Metering.Persistence;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace Metering.Benchmarks;

/// <summary>
/// Paging: 1,000,000 hourly usage rows (100 hosts × 20 models × 500 hours, written hour by hour as the flusher writes
/// them) in a fresh database, then one GetUsage query grouped by host and model at HOUR granularity, paged through to
/// its end in pages of 10,000 rows against the metering service as its own process. Keyset paging must make the last
/// page cost what the first does. Writes .bench/paging.json.
/// </summary>
internal static class PagingBenchmark
{
    private const int Hosts = 100;
    private const int Models = 20;
    private const int Hours = 500;
    private const int PageSize = 10_000;

    public static async Task<int> RunAsync()
    {
        var postgres = ServiceProcess.Require("METERING_POSTGRES");
        var database = "bench_paging_" + Guid.NewGuid().ToString("N")[..8];
        await ExecuteAsync(postgres, $"CREATE DATABASE {database}");
        var connectionString = new NpgsqlConnectionStringBuilder(postgres) { Database = database, CommandTimeout = 600 }.ConnectionString;
        try
        {
            var start = DateTime.UtcNow.Date.AddDays(-30);
            start = new DateTime(start.Year, start.Month, start.Day, 0, 0, 0, DateTimeKind.Utc);
            var seeding = Stopwatch.StartNew();
            await SeedAsync(connectionString, start);
            Console.WriteLine($"paging: seeded {Hosts * Models * Hours:N0} rows in {seeding.Elapsed.TotalSeconds:0.0} s");

            using var service = await ServiceProcess.StartAsync("paging-service.log", new Dictionary<string, string> { ["Postgres__ConnectionString"] = connectionString, ["Flush__Enabled"] = "false" });
            using var channel = GrpcChannel.ForAddress(service.Address, new GrpcChannelOptions { MaxReceiveMessageSize = 64 * 1024 * 1024 });
            var usage = new UsageService.UsageServiceClient(channel);
            var headers = new Metadata { { "authorization", "Bearer " + service.AdminKey } };
            var request = new GetUsageRequest
            {
                StartTime = Timestamp.FromDateTime(start),
                EndTime = Timestamp.FromDateTime(start.AddHours(Hours)),
                GroupBy = { UsageGroupBy.Host, UsageGroupBy.Model },
                Granularity = Granularity.Hour,
                PageSize = PageSize,
            };

            // One warm-up page (JIT, connections, the database's caches), then the whole export, every page timed.
            await usage.GetUsageAsync(request, headers);
            var pageMs = new List<double>();
            long rows = 0;
            long inputTokens = 0;
            var total = Stopwatch.StartNew();
            var page = request.Clone();
            while (true)
            {
                var watch = Stopwatch.StartNew();
                var response = await usage.GetUsageAsync(page, headers);
                pageMs.Add(watch.Elapsed.TotalMilliseconds);
                rows += response.Rows.Count;
                inputTokens += response.Rows.Sum(r => r.InputTokens);
                if (response.NextPageToken.Length == 0)
                {
                    break;
                }

                page.PageToken = response.NextPageToken;
            }

            var seconds = total.Elapsed.TotalSeconds;
            var expectedInput = ExpectedInputTokens();
            var pass = rows == Hosts * Models * Hours && inputTokens == expectedInput;
            Console.WriteLine($"paging: {pageMs.Count} pages, {rows:N0} rows, input tokens {inputTokens:N0} (expected {expectedInput:N0}): {(pass ? "complete" : "INCOMPLETE")}");
            var tenth = Math.Max(1, pageMs.Count / 10);
            BenchResults.Report("paging: GetUsage by host and model, HOUR, 1,000,000 rows in pages of 10,000", "paging.json",
            [
                ("rows", "rows paged through", rows, "rows"),
                ("pages", "pages", pageMs.Count, "pages"),
                ("rows_per_sec", "rows/s over the whole export", rows / seconds, "rows/s"),
                ("first_page_ms", "first page", pageMs[0], "ms"),
                ("last_page_ms", "last page", pageMs[^1], "ms"),
                ("first_tenth_median_ms", "median page of the first tenth", Median(pageMs.Take(tenth)), "ms"),
                ("last_tenth_median_ms", "median page of the last tenth", Median(pageMs.Skip(pageMs.Count - tenth)), "ms"),
                ("median_page_ms", "median page", Median(pageMs), "ms"),
                ("complete", "every row and token counted (1 = yes)", pass ? 1 : 0, pass ? "yes" : "NO"),
            ]);
            return pass ? 0 : 1;
        }
        finally
        {
            await ExecuteAsync(postgres, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
        }
    }

    private static long InputTokens(int host, int hour, int model) => 1_000 + ((host * 7) + (hour * 3) + model) % 997;

    private static long ExpectedInputTokens()
    {
        long sum = 0;
        for (var hour = 0; hour < Hours; hour++)
        {
            for (var host = 0; host < Hosts; host++)
            {
                for (var model = 0; model < Models; model++)
                {
                    sum += InputTokens(host, hour, model);
                }
            }
        }

        return sum;
    }

    private static async Task SeedAsync(string connectionString, DateTime start)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await new MigrationRunner(dataSource, NullLogger<MigrationRunner>.Instance).MigrateAsync(CancellationToken.None);
        var hosts = Enumerable.Range(0, Hosts).Select(i => string.Create(CultureInfo.InvariantCulture, $"page-host-{i:D3}")).ToList();
        var models = Enumerable.Range(0, Models).Select(i => string.Create(CultureInfo.InvariantCulture, $"bench/model-{i:D2}")).ToList();
        await using var connection = await dataSource.OpenConnectionAsync();
        await using (var writer = await connection.BeginBinaryImportAsync("COPY hosts (host_id, display_name, created_at) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var host in hosts)
            {
                await writer.WriteRowAsync(CancellationToken.None, host, host, DateTime.UtcNow);
            }

            await writer.CompleteAsync();
        }

        for (var at = start; at < start.AddHours(Hours); at = at.AddDays(1))
        {
            await using var partition = new NpgsqlCommand("SELECT usage_partition_for(@At)", connection);
            partition.Parameters.Add(new NpgsqlParameter("At", NpgsqlDbType.TimestampTz) { Value = at });
            await partition.ExecuteNonQueryAsync();
        }

        // Hour by hour, as the flusher writes them.
        await using (var writer = await connection.BeginBinaryImportAsync(
            "COPY usage_hourly (host_id, model, hour, input_tokens, output_tokens, requests, billed_micros, records) FROM STDIN (FORMAT BINARY)"))
        {
            for (var hour = 0; hour < Hours; hour++)
            {
                var at = start.AddHours(hour);
                for (var h = 0; h < Hosts; h++)
                {
                    for (var m = 0; m < Models; m++)
                    {
                        await writer.StartRowAsync();
                        await writer.WriteAsync(hosts[h], NpgsqlDbType.Text);
                        await writer.WriteAsync(models[m], NpgsqlDbType.Text);
                        await writer.WriteAsync(at, NpgsqlDbType.TimestampTz);
                        await writer.WriteAsync(InputTokens(h, hour, m), NpgsqlDbType.Bigint);
                        await writer.WriteAsync(300L, NpgsqlDbType.Bigint);
                        await writer.WriteAsync(1L, NpgsqlDbType.Bigint);
                        await writer.WriteAsync(0L, NpgsqlDbType.Bigint);
                        await writer.WriteAsync(1L, NpgsqlDbType.Bigint);
                    }
                }
            }

            await writer.CompleteAsync();
        }

        await using var vacuum = new NpgsqlCommand("VACUUM (ANALYZE) usage_hourly; ANALYZE hosts", connection);
        await vacuum.ExecuteNonQueryAsync();
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
