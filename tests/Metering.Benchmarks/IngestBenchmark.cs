using System.Diagnostics;
using System.Text.Json;

namespace Metering.Benchmarks;

/// <summary>
/// Ingest figures: the metering service runs as its own process (<see cref="ServiceProcess"/>), and metering-loadgen
/// (its own process too) drives it twice: 8 streams x 500-record batches as fast as possible, then (after Redis has
/// rewritten the append-only file the first run grew) a fixed 250,000 records/s; each run ends with the exactly-once
/// check against GetUsage. Writes .bench/ingest.json and .bench/ingest-250k.json.
/// </summary>
internal static class IngestBenchmark
{
    public static async Task<int> RunAsync(TimeSpan duration)
    {
        var root = BenchResults.RepositoryRoot();
        var configuration = Environment.GetEnvironmentVariable("METERING_BENCH_CONFIGURATION") is { Length: > 0 } c ? c : "Release";
        var loadgenDll = await ServiceProcess.EnsureBuiltAsync(root, configuration, "clients/Metering.LoadGen/Metering.LoadGen.csproj", "clients/Metering.LoadGen/bin/{0}/net10.0/metering-loadgen.dll");
        Console.WriteLine($"ingest: {duration.TotalSeconds:0} s per run");
        using var service = await ServiceProcess.StartAsync("ingest-service.log");
        var watch = new List<string> { "--watch-pid", $"service={service.Pid}" };
        if (Environment.GetEnvironmentVariable("METERING_REDIS_PIDFILE") is { Length: > 0 } pidFile && File.Exists(pidFile))
        {
            watch.AddRange(["--watch-pid", $"redis={File.ReadAllText(pidFile).Trim()}"]);
        }

        string[] common = ["--target", service.Address.ToString(), "--admin-key", service.AdminKey, "--streams", "8", "--batch-size", "500", "--duration", $"{duration.TotalSeconds:0}", "--wait-ready", "60", .. watch];
        await using var stalls = await RedisFsyncStalls.ConnectAsync(ServiceProcess.Require("METERING_REDIS"));
        var fast = await RunLoadAsync(loadgenDll, service, stalls, [.. common], "ingest: 8 streams x 500 records, as fast as possible", "ingest.json");

        // The saturating run grew Redis' append-only file by gigabytes: its rewrite would otherwise fall into the paced
        // run, whose ack latency is measured. Done now, the paced run measures ingest, not the previous run's rewrite.
        Console.WriteLine("ingest: rewriting Redis' append-only file before the paced run (BGREWRITEAOF)");
        await RedisAofRewrite.CompactAsync(ServiceProcess.Require("METERING_REDIS"));
        var paced = await RunLoadAsync(loadgenDll, service, stalls, [.. common, "--rate", "250000"], "ingest: fixed 250,000 records/s, 8 streams x 500 records", "ingest-250k.json");
        return fast && paced ? 0 : 1;
    }

    private static async Task<bool> RunLoadAsync(string loadgenDll, ServiceProcess service, RedisFsyncStalls stalls, string[] arguments, string title, string fileName)
    {
        await stalls.ResetAsync();
        var json = Path.Combine(Path.GetTempPath(), $"metering-loadgen-{Environment.ProcessId}-{fileName}");
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false };
        foreach (var argument in (string[])[loadgenDll, .. arguments, "--json", json])
        {
            start.ArgumentList.Add(argument);
        }

        Console.WriteLine($"ingest: metering-loadgen {string.Join(' ', arguments.Select(a => a.StartsWith(ServiceProcess.AdminKeyPrefix, StringComparison.Ordinal) ? "***" : a))}");
        using var loadgen = Process.Start(start)!;
        await loadgen.WaitForExitAsync();
        var (slowFsyncSeconds, longestFsync) = await stalls.ReadAsync();
        if (service.HasExited)
        {
            throw new InvalidOperationException($"the metering service exited (code {service.ExitCode}) during the run; see .bench/ingest-service.log");
        }

        if (!File.Exists(json))
        {
            Console.WriteLine($"ingest: metering-loadgen exited with {loadgen.ExitCode} and wrote no figures");
            return false;
        }

        using var figures = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        File.Delete(json);
        var f = figures.RootElement;
        double Get(string key) => f.TryGetProperty(key, out var value) ? value.GetDouble() : double.NaN;
        var pass = f.GetProperty("exactly_once_pass").GetBoolean();
        var ours = Get("loadgen_cpu_cores") + Get("service_cpu_cores") + (f.TryGetProperty("redis_cpu_cores", out var r) ? r.GetDouble() : 0);
        var rows = new List<(string Key, string Label, double Value, string Unit)>
        {
            ("records_per_sec", "records/s acknowledged", Get("records_per_sec"), "records/s"),
            ("ack_p50_ms", "ack latency p50", Get("ack_p50_ms"), "ms"),
            ("ack_p90_ms", "ack latency p90", Get("ack_p90_ms"), "ms"),
            ("ack_p99_ms", "ack latency p99", Get("ack_p99_ms"), "ms"),
            ("ack_p999_ms", "ack latency p99.9", Get("ack_p999_ms"), "ms"),
            ("send_lag_p99_ms", "send behind schedule p99 (any cause; fixed rate only)", Get("send_lag_p99_ms"), "ms"),
            ("pacing_overshoot_p99_ms", "pacing sleep overshoot p99 (load generator)", Get("pacing_overshoot_p99_ms"), "ms"),
            ("records_acked", "records acknowledged (ACCEPTED)", Get("records_acked"), "records"),
            ("records_counted", "records counted by GetUsage", Get("records_counted"), "records"),
            ("exactly_once_pass", "exactly-once check (1 = PASS)", pass ? 1 : 0, pass ? "PASS" : "FAIL"),
            ("redis_slow_fsync_seconds", "seconds with a Redis AOF fsync of 5 ms or more (latency monitor)", slowFsyncSeconds, "s"),
            ("redis_longest_fsync_ms", "longest Redis AOF fsync during the run", longestFsync, "ms"),
            ("target_rate", "target rate (0 = as fast as possible)", Get("target_rate"), "records/s"),
            ("loadgen_cpu_cores", "CPU: load generator", Get("loadgen_cpu_cores"), "cores"),
            ("service_cpu_cores", "CPU: metering service", Get("service_cpu_cores"), "cores"),
            ("redis_cpu_cores", "CPU: redis", Get("redis_cpu_cores"), "cores"),
            ("other_cpu_cores", "CPU: everything else (PostgreSQL, kernel, other processes)", Get("machine_cpu_cores") - ours, "cores"),
            ("machine_cpu_cores", "CPU: whole machine", Get("machine_cpu_cores"), $"cores of {Get("machine_core_count")}"),
        };
        BenchResults.Report(title, fileName, rows.Where(row => !double.IsNaN(row.Value)).ToList());
        return pass && loadgen.ExitCode == 0;
    }
}
