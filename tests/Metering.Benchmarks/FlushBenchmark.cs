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
using StackExchange.Redis;
using Metering.Persistence.Audit;

namespace Metering.Benchmarks;

/// <summary>
/// Flush rate: 100,000 distinct live counter buckets (100 hosts × 50 models × 20 hours) are put into Redis through
/// the ingest step, then one flusher cycle moves them to PostgreSQL (cut, transactions, delete); rows/s is the rows
/// over the cycle's wall time. First <see cref="WarmUpCycles"/> warm-up cycles, all small but the last two (the JIT
/// done, connections open, as in a running service), then <see cref="MeasuredCycles"/> cycles, each of fresh rows
/// (other hours); the median is reported. Seeding writes a lot to Redis' append-only file, which makes Redis rewrite
/// it in a forked child now and then: each measured cycle starts after such a rewrite has finished, so it measures
/// the flush and not a coinciding rewrite of the seeding. Writes .bench/flush.json.
/// </summary>
internal static class FlushBenchmark
{
    private const int Hosts = 100;
    private const int Models = 50;
    private const int Hours = 20;
    private const int WarmUpCycles = 30;
    private const int MeasuredCycles = 5;

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
        var flusher = provider.GetRequiredService<UsageFlusher>();
        for (var h = 0; h < Hosts; h++)
        {
            var hostId = $"bench-host-{h:000}";
            await hosts.TryCreateAsync(new HostRecord(hostId, hostId, DateTime.UtcNow), new AuditActor("benchmark", "ADMIN"), CancellationToken.None);
        }

        // Every cycle flushes hours no cycle before it used, so each of its rows is new to PostgreSQL.
        var nextHour = HourBucket.HourOf((long)(DateTime.UtcNow - DateTime.UnixEpoch).TotalSeconds) - ((WarmUpCycles + MeasuredCycles + 1) * Hours * 3600L);
        for (var cycle = 0; cycle < WarmUpCycles; cycle++)
        {
            // The last warm-up cycles are full-size: the first cycle of 100,000 rows runs code paths and PostgreSQL
            // work (larger arrays, index growth) the small ones never reach.
            await SeedAsync(committer, nextHour, cycle >= WarmUpCycles - 2 ? Hours : 1, "warm-up-" + cycle);
            nextHour += Hours * 3600L;
            await flusher.FlushOnceAsync(CancellationToken.None);
            await Task.Delay(50);
        }

        await using var redisAdmin = await ConnectionMultiplexer.ConnectAsync(redis + ",allowAdmin=true");
        var redisServer = redisAdmin.GetServer(redisAdmin.GetEndPoints()[0]);
        var rates = new List<double>();
        var seconds = new List<double>();
        for (var cycle = 0; cycle < MeasuredCycles; cycle++)
        {
            await SeedAsync(committer, nextHour, Hours, "cycle-" + cycle);
            nextHour += Hours * 3600L;
            await RedisAofRewrite.WaitAsync(redisServer);
            var stopwatch = Stopwatch.StartNew();
            var rows = await flusher.FlushOnceAsync(CancellationToken.None);
            var elapsed = stopwatch.Elapsed.TotalSeconds;
            if (rows != Hosts * Models * Hours)
            {
                throw new InvalidOperationException($"The flush wrote {rows} rows, expected {Hosts * Models * Hours}.");
            }

            seconds.Add(elapsed);
            rates.Add(rows / elapsed);
            Console.Error.WriteLine($"flush cycle {cycle + 1}/{MeasuredCycles}: {rows:N0} rows in {elapsed:0.000} s = {rows / elapsed:N0} rows/s");
        }

        BenchResults.Report("flush (Redis -> PostgreSQL)", "flush.json",
        [
            ("rows", "distinct counter rows per cycle", Hosts * Models * Hours, "rows"),
            ("seconds", $"one flush cycle (median of {MeasuredCycles})", Median(seconds), "s"),
            ("rows_per_sec", $"flush rate (median of {MeasuredCycles})", Median(rates), "rows/s"),
            ("rows_per_sec_min", "slowest cycle", rates.Min(), "rows/s"),
            ("rows_per_sec_max", "fastest cycle", rates.Max(), "rows/s"),
        ]);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static async Task SeedAsync(RedisGroupCommitter committer, long firstHour, int hours, string key)
    {
        var seeding = new List<Task<CommitOutcome>>();
        for (var h = 0; h < Hosts; h++)
        {
            var deltas = new List<BucketDelta>();
            for (var m = 0; m < Models; m++)
            {
                for (var hour = 0; hour < hours; hour++)
                {
                    deltas.Add(new BucketDelta(new HourBucket(firstHour + (hour * 3600L), $"model-{m:00}"), new UsageCounters(1000 + m, 10 + hour, 1, 0, 1)));
                }
            }

            seeding.Add(committer.CommitAsync(new PendingCommit($"bench-host-{h:000}", bySequence: false, key, key, deltas.ToArray(), string.Empty, key, string.Empty)));
        }

        foreach (var outcome in await Task.WhenAll(seeding))
        {
            if (outcome.Kind != CommitOutcomeKind.Applied)
            {
                throw new InvalidOperationException($"Seeding the counters failed: {outcome.Kind}.");
            }
        }
    }
}
