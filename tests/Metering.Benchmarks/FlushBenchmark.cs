using System.Diagnostics;
using Metering.Domain.Ingest;
using Metering.Domain.Usage;
using Metering.Persistence;
using Metering.Service;
using Metering.Service.Flush;
using Metering.Service.Ingest;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Metering.Benchmarks;

/// <summary>
/// Flush rate: 100,000 distinct live counter buckets (100 hosts × 50 models × 20 hours) are put into Redis through
/// the ingest step, then one flusher cycle moves them to PostgreSQL (cut, one transaction, delete). Rows/s is the
/// number of rows over the cycle's wall time. Writes .bench/flush.json.
/// </summary>
internal static class FlushBenchmark
{
    private const int Hosts = 100;
    private const int Models = 50;
    private const int Hours = 20;

    public static async Task RunAsync(string redis, string postgres)
    {
        var database = "bench_flush_" + Guid.NewGuid().ToString("N")[..8];
        await using (var admin = new NpgsqlConnection(postgres))
        {
            await admin.OpenAsync();
            await new NpgsqlCommand($"CREATE DATABASE {database}", admin).ExecuteNonQueryAsync();
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Redis:Configuration"] = redis,
            ["Redis:KeyPrefix"] = "bench" + Guid.NewGuid().ToString("N")[..8],
            ["Postgres:ConnectionString"] = new NpgsqlConnectionStringBuilder(postgres) { Database = database }.ConnectionString,
            ["Flush:Enabled"] = "false",
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton<IConfiguration>(configuration);
        services.AddMeteringService(configuration);
        await using var provider = services.BuildServiceProvider();
        await provider.MigrateMeteringDatabaseAsync();

        var hosts = provider.GetRequiredService<HostRepository>();
        var committer = provider.GetRequiredService<RedisGroupCommitter>();
        var firstHour = HourBucket.HourOf((long)(DateTime.UtcNow - DateTime.UnixEpoch).TotalSeconds) - (Hours * 3600L);
        var seeding = new List<Task<CommitOutcome>>();
        for (var h = 0; h < Hosts; h++)
        {
            var hostId = $"bench-host-{h:000}";
            await hosts.TryCreateAsync(new HostRecord(hostId, hostId, DateTime.UtcNow), CancellationToken.None);
            var deltas = new List<BucketDelta>();
            for (var m = 0; m < Models; m++)
            {
                for (var hour = 0; hour < Hours; hour++)
                {
                    deltas.Add(new BucketDelta(new HourBucket(firstHour + (hour * 3600L), $"model-{m:00}"), new UsageCounters(1000 + m, 10 + hour, 1, 0, 1)));
                }
            }

            seeding.Add(committer.CommitAsync(new PendingCommit(hostId, bySequence: false, "seed", "seed", deltas.ToArray())));
        }

        await Task.WhenAll(seeding);
        var flusher = provider.GetRequiredService<UsageFlusher>();
        var stopwatch = Stopwatch.StartNew();
        var rows = await flusher.FlushOnceAsync(CancellationToken.None);
        var seconds = stopwatch.Elapsed.TotalSeconds;
        if (rows != Hosts * Models * Hours)
        {
            throw new InvalidOperationException($"The flush wrote {rows} rows, expected {Hosts * Models * Hours}.");
        }

        BenchResults.Report("flush (Redis -> PostgreSQL)", "flush.json",
        [
            ("rows", "distinct counter rows flushed", rows, "rows"),
            ("seconds", "one flush cycle", seconds, "s"),
            ("rows_per_sec", "flush rate", rows / seconds, "rows/s"),
        ]);
    }
}
