using System.Diagnostics;
using System.Text.Json;

namespace Metering.Benchmarks;

/// <summary>
/// What the metrics cost ingest: the fast ingest run (8 streams x 500-record batches, as fast as possible, with the
/// exactly-once check) against a fresh service with metrics on (the default, <c>/metrics</c> scraped every 5 s as a
/// Prometheus would, more often than the usual 15 s) and with them off (<c>Telemetry__PrometheusEnabled=false</c>:
/// no meter provider, so every instrument is a no-op), alternately, five pairs in one session. Reports the medians
/// and their ratio; writes .bench/ingest-telemetry.json.
/// </summary>
internal static class TelemetryBenchmark
{
    private const int Pairs = 5;

    public static async Task<int> RunAsync(TimeSpan duration)
    {
        var root = BenchResults.RepositoryRoot();
        var configuration = Environment.GetEnvironmentVariable("METERING_BENCH_CONFIGURATION") is { Length: > 0 } c ? c : "Release";
        var loadgenDll = await ServiceProcess.EnsureBuiltAsync(root, configuration, "clients/Metering.LoadGen/Metering.LoadGen.csproj", "clients/Metering.LoadGen/bin/{0}/net10.0/metering-loadgen.dll");
        var redis = ServiceProcess.Require("METERING_REDIS");
        var on = new List<double>();
        var off = new List<double>();
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
                var (rate, passed) = await RunLoadAsync(loadgenDll, service, duration);
                await stop.CancelAsync();
                scrapes += await scraper;
                allPassed &= passed;
                (metrics ? on : off).Add(rate);
                Console.WriteLine($"telemetry: pair {pair + 1}, metrics {(metrics ? "on " : "off")}: {rate:N0} records/s, exactly-once {(passed ? "PASS" : "FAIL")}");
            }
        }

        var medianOn = Median(on);
        var medianOff = Median(off);
        BenchResults.Report("ingest with metrics on vs off (alternating, 8 streams x 500 records)", "ingest-telemetry.json",
        [
            ("records_per_sec_metrics_on", $"records/s acknowledged, metrics on (median of {Pairs}: {string.Join(", ", on.Select(r => r.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)))})", medianOn, "records/s"),
            ("records_per_sec_metrics_off", $"records/s acknowledged, metrics off (median of {Pairs}: {string.Join(", ", off.Select(r => r.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)))})", medianOff, "records/s"),
            ("ratio_on_to_off", "metrics on / metrics off", medianOn / medianOff, "x"),
            ("scrapes", "scrapes of /metrics answered during the metrics-on runs", scrapes, "scrapes"),
            ("exactly_once_pass", "exactly-once check of every run (1 = PASS)", allPassed ? 1 : 0, allPassed ? "PASS" : "FAIL"),
        ]);
        return allPassed ? 0 : 1;
    }

    private static async Task<(double Rate, bool Passed)> RunLoadAsync(string loadgenDll, ServiceProcess service, TimeSpan duration)
    {
        var json = Path.Combine(Path.GetTempPath(), $"metering-loadgen-{Environment.ProcessId}-telemetry.json");
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var argument in (string[])[loadgenDll, "--target", service.Address.ToString(), "--admin-key", service.AdminKey, "--streams", "8", "--batch-size", "500", "--duration", $"{duration.TotalSeconds:0}", "--wait-ready", "60", "--json", json])
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
        return (f.GetProperty("records_per_sec").GetDouble(), f.GetProperty("exactly_once_pass").GetBoolean() && loadgen.ExitCode == 0);
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
