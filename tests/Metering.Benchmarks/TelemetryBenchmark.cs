using System.Diagnostics;
using System.Text.Json;

namespace Metering.Benchmarks;

/// <summary>
/// What the metrics cost ingest: the fast ingest run (8 streams x 500-record batches, as fast as possible, with the
/// exactly-once check) against a fresh service with metrics on (the default, <c>/metrics</c> scraped every 5 s as a
/// Prometheus would, more often than the usual 15 s) and with them off (<c>Telemetry__PrometheusEnabled=false</c>:
/// no meter provider, so every instrument is a no-op), alternately, five pairs in one session. Each service then also
/// takes a fixed 1,000,000 records/s while its CPU is read from /proc: the service's CPU seconds per million records
/// is what the metrics cost, and moves far less with the rest of a shared machine than a saturating rate does.
/// Reports the medians and their ratios; writes .bench/ingest-telemetry.json.
/// </summary>
internal static class TelemetryBenchmark
{
    private const int Pairs = 5;
    private const int FixedRate = 1_000_000;

    public static async Task<int> RunAsync(TimeSpan duration)
    {
        var root = BenchResults.RepositoryRoot();
        var configuration = Environment.GetEnvironmentVariable("METERING_BENCH_CONFIGURATION") is { Length: > 0 } c ? c : "Release";
        var loadgenDll = await ServiceProcess.EnsureBuiltAsync(root, configuration, "clients/Metering.LoadGen/Metering.LoadGen.csproj", "clients/Metering.LoadGen/bin/{0}/net10.0/metering-loadgen.dll");
        var redis = ServiceProcess.Require("METERING_REDIS");
        var on = new List<double>();
        var off = new List<double>();
        var cpuOn = new List<double>();
        var cpuOff = new List<double>();
        var scrapes = 0;
        var allPassed = true;
        for (var pair = 0; pair < Pairs; pair++)
        {
            // Alternate which goes first, so a drift of the machine during the session does not favour one side.
            foreach (var metrics in pair % 2 == 0 ? new[] { true, false } : [false, true])
            {
                await RedisAofRewrite.CompactAsync(redis);
                var settings = metrics ? null : new Dictionary<string, string> { ["Telemetry__PrometheusEnabled"] = "false" };
                using var service = await ServiceProcess.StartAsync(metrics ? "telemetry-on-service.log" : "telemetry-off-service.log", settings);
                using var stop = new CancellationTokenSource();
                var scraper = metrics ? ScrapeEveryAsync(new Uri(service.HttpAddress, "/metrics"), TimeSpan.FromSeconds(5), stop.Token) : Task.FromResult(0);
                var (rate, _, passed) = await RunLoadAsync(loadgenDll, service, duration, []);
                await RedisAofRewrite.CompactAsync(redis);
                var (paced, serviceCores, pacedPassed) = await RunLoadAsync(loadgenDll, service, duration, ["--rate", $"{FixedRate}", "--watch-pid", $"service={service.Pid}"]);
                await stop.CancelAsync();
                scrapes += await scraper;
                allPassed &= passed && pacedPassed;
                if (serviceCores <= 0)
                {
                    throw new InvalidOperationException("metering-loadgen reported no service_cpu_cores for the fixed-rate run");
                }

                var cpuPerMillion = serviceCores / paced * 1_000_000;
                (metrics ? on : off).Add(rate);
                (metrics ? cpuOn : cpuOff).Add(cpuPerMillion);
                Console.WriteLine($"telemetry: pair {pair + 1}, metrics {(metrics ? "on " : "off")}: {rate:N0} records/s; at {paced:N0} records/s the service used {serviceCores:N2} cores = {cpuPerMillion:N3} CPU s per million records; exactly-once {(passed && pacedPassed ? "PASS" : "FAIL")}");
            }
        }

        var medianOn = Median(on);
        var medianOff = Median(off);
        var medianCpuOn = Median(cpuOn);
        var medianCpuOff = Median(cpuOff);
        static string List(IEnumerable<double> values, string format) => string.Join(", ", values.Select(v => v.ToString(format, System.Globalization.CultureInfo.InvariantCulture)));
        BenchResults.Report("ingest with metrics on vs off (alternating, 8 streams x 500 records)", "ingest-telemetry.json",
        [
            ("records_per_sec_metrics_on", $"records/s acknowledged, metrics on (median of {Pairs}: {List(on, "N0")})", medianOn, "records/s"),
            ("records_per_sec_metrics_off", $"records/s acknowledged, metrics off (median of {Pairs}: {List(off, "N0")})", medianOff, "records/s"),
            ("ratio_on_to_off", "metrics on / metrics off", medianOn / medianOff, "x"),
            ("service_cpu_seconds_per_million_records_metrics_on", $"service CPU s per million records at {FixedRate:N0} records/s, metrics on (median of {Pairs}: {List(cpuOn, "N3")})", medianCpuOn, "CPU s"),
            ("service_cpu_seconds_per_million_records_metrics_off", $"service CPU s per million records at {FixedRate:N0} records/s, metrics off (median of {Pairs}: {List(cpuOff, "N3")})", medianCpuOff, "CPU s"),
            ("cpu_ratio_on_to_off", "service CPU per record, metrics on / metrics off", medianCpuOn / medianCpuOff, "x"),
            ("scrapes", "scrapes of /metrics answered during the metrics-on runs", scrapes, "scrapes"),
            ("exactly_once_pass", "exactly-once check of every run (1 = PASS)", allPassed ? 1 : 0, allPassed ? "PASS" : "FAIL"),
        ]);
        return allPassed ? 0 : 1;
    }

    private static async Task<(double Rate, double ServiceCores, bool Passed)> RunLoadAsync(string loadgenDll, ServiceProcess service, TimeSpan duration, string[] extra)
    {
        var json = Path.Combine(Path.GetTempPath(), $"metering-loadgen-{Environment.ProcessId}-telemetry.json");
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var argument in (string[])[loadgenDll, "--target", service.Address.ToString(), "--admin-key", service.AdminKey, "--streams", "8", "--batch-size", "500", "--duration", $"{duration.TotalSeconds:0}", "--wait-ready", "60", "--json", json, .. extra])
        {
            start.ArgumentList.Add(argument);
        }

        using var loadgen = Process.Start(start)!;
        await loadgen.StandardOutput.ReadToEndAsync();
        await loadgen.WaitForExitAsync();
        if (!File.Exists(json))
        {
            throw new InvalidOperationException($"metering-loadgen exited with {loadgen.ExitCode} and wrote no figures");
        }

        using var figures = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        File.Delete(json);
        var f = figures.RootElement;
        var cores = f.TryGetProperty("service_cpu_cores", out var c) ? c.GetDouble() : 0;
        return (f.GetProperty("records_per_sec").GetDouble(), cores, f.GetProperty("exactly_once_pass").GetBoolean() && loadgen.ExitCode == 0);
    }

    /// <summary>GETs <paramref name="metrics"/> every <paramref name="interval"/> until cancelled; returns how many scrapes answered 200.</summary>
    private static async Task<int> ScrapeEveryAsync(Uri metrics, TimeSpan interval, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var timer = new PeriodicTimer(interval);
        var answered = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                using var response = await http.GetAsync(metrics, cancellationToken);
                await response.Content.ReadAsStringAsync(cancellationToken);
                answered += response.IsSuccessStatusCode ? 1 : 0;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        return answered;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
