using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Grpc.Health.V1;
using Metering.Benchmarks;
using Metering.Grpc;

namespace Metering.Benchmarks;

/// <summary>
/// Ingest figures: the metering service runs as its own process (release build, against the Redis and PostgreSQL
/// of METERING_REDIS / METERING_POSTGRES), and metering-loadgen (its own process too) drives it twice:
/// 8 streams x 500-record batches as fast as possible, then a fixed 250,000 records/s; each run ends with the
/// exactly-once check against GetUsage. Writes .bench/ingest.json and .bench/ingest-250k.json.
/// </summary>
internal static class IngestBenchmark
{
    private const string AdminKeyPrefix = "bench-admin-";

    public static async Task<int> RunAsync(TimeSpan duration)
    {
        var root = BenchResults.RepositoryRoot();
        var configuration = Environment.GetEnvironmentVariable("METERING_BENCH_CONFIGURATION") is { Length: > 0 } c ? c : "Release";
        var redis = Require("METERING_REDIS");
        var postgres = Require("METERING_POSTGRES");
        var serviceDll = await EnsureBuiltAsync(root, configuration, "services/Metering.Service/Metering.Service.csproj", "services/Metering.Service/bin/{0}/net10.0/Metering.Service.dll");
        var loadgenDll = await EnsureBuiltAsync(root, configuration, "clients/Metering.LoadGen/Metering.LoadGen.csproj", "clients/Metering.LoadGen/bin/{0}/net10.0/metering-loadgen.dll");
        var port = FreePort();
        var adminKey = AdminKeyPrefix + Guid.NewGuid().ToString("N");
        var log = Path.Combine(root, ".bench", "ingest-service.log");
        Directory.CreateDirectory(Path.GetDirectoryName(log)!);
        Console.WriteLine($"ingest: service {serviceDll} on 127.0.0.1:{port} (log {log}), {duration.TotalSeconds:0} s per run");

        using var service = StartService(serviceDll, port, redis, postgres, adminKey, log);
        try
        {
            await WaitForServingAsync(service, port, TimeSpan.FromSeconds(60));
            var watch = new List<string> { "--watch-pid", $"service={service.Id}" };
            if (Environment.GetEnvironmentVariable("METERING_REDIS_PIDFILE") is { Length: > 0 } pidFile && File.Exists(pidFile))
            {
                watch.AddRange(["--watch-pid", $"redis={File.ReadAllText(pidFile).Trim()}"]);
            }

            string[] common = ["--target", $"http://127.0.0.1:{port}", "--admin-key", adminKey, "--streams", "8", "--batch-size", "500", "--duration", $"{duration.TotalSeconds:0}", "--wait-ready", "60", .. watch];
            var fast = await RunLoadAsync(loadgenDll, service, [.. common], "ingest: 8 streams x 500 records, as fast as possible", "ingest.json");
            var paced = await RunLoadAsync(loadgenDll, service, [.. common, "--rate", "250000"], "ingest: fixed 250,000 records/s, 8 streams x 500 records", "ingest-250k.json");
            return fast && paced ? 0 : 1;
        }
        finally
        {
            if (!service.HasExited)
            {
                service.Kill(entireProcessTree: true);
            }

            await service.WaitForExitAsync();
        }
    }

    private static async Task<bool> RunLoadAsync(string loadgenDll, Process service, string[] arguments, string title, string fileName)
    {
        var json = Path.Combine(Path.GetTempPath(), $"metering-loadgen-{Environment.ProcessId}-{fileName}");
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false };
        foreach (var argument in (string[])[loadgenDll, .. arguments, "--json", json])
        {
            start.ArgumentList.Add(argument);
        }

        Console.WriteLine($"ingest: metering-loadgen {string.Join(' ', arguments.Select(a => a.StartsWith(AdminKeyPrefix, StringComparison.Ordinal) ? "***" : a))}");
        using var loadgen = Process.Start(start)!;
        await loadgen.WaitForExitAsync();
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

    private static Process StartService(string serviceDll, int port, string redis, string postgres, string adminKey, string log)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(serviceDll)!,
        };
        start.ArgumentList.Add(serviceDll);
        start.Environment["Redis__Configuration"] = redis;
        start.Environment["Postgres__ConnectionString"] = postgres;
        start.Environment["Security__BootstrapAdminKey"] = adminKey;
        start.Environment["Kestrel__Endpoints__Grpc__Url"] = $"http://127.0.0.1:{port}";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var writer = new StreamWriter(log, append: false) { AutoFlush = true };
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) => Write(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;

        void Write(string? line)
        {
            if (line is not null)
            {
                lock (writer)
                {
                    writer.WriteLine(line);
                }
            }
        }
    }

    private static async Task WaitForServingAsync(Process service, int port, TimeSpan timeout)
    {
        var check = Method<HealthCheckRequest, HealthCheckResponse>.FromDescriptor(HealthReflection.Descriptor.Services[0].FindMethodByName("Check"), HealthCheckRequest.Parser, HealthCheckResponse.Parser);
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        var stopwatch = Stopwatch.StartNew();
        var last = "no answer";
        while (stopwatch.Elapsed < timeout)
        {
            if (service.HasExited)
            {
                throw new InvalidOperationException($"the metering service exited with {service.ExitCode} before it was SERVING; see .bench/ingest-service.log");
            }

            try
            {
                var health = await channel.UnaryAsync(check, new HealthCheckRequest(), new CallOptions { Deadline = DateTime.UtcNow.AddSeconds(2) });
                if (health.Status == HealthCheckResponse.Types.ServingStatus.Serving)
                {
                    Console.WriteLine($"ingest: service SERVING after {stopwatch.Elapsed.TotalSeconds:0.0} s");
                    return;
                }

                last = health.Status.ToString();
            }
            catch (RpcException ex)
            {
                last = $"{ex.StatusCode}: {ex.Status.Detail}";
            }

            await Task.Delay(200);
        }

        throw new InvalidOperationException($"the metering service was not SERVING after {timeout.TotalSeconds:0} s (last: {last})");
    }

    private static async Task<string> EnsureBuiltAsync(string root, string configuration, string project, string output)
    {
        var path = Path.Combine(root, string.Format(CultureInfo.InvariantCulture, output, configuration));
        if (File.Exists(path))
        {
            return path;
        }

        Console.WriteLine($"ingest: {path} is missing; dotnet build -c {configuration} {project}");
        using var build = Process.Start(new ProcessStartInfo("dotnet", ["build", "-c", configuration, Path.Combine(root, project), "-nologo", "-v", "q"]) { UseShellExecute = false })!;
        await build.WaitForExitAsync();
        return build.ExitCode == 0 && File.Exists(path) ? path : throw new InvalidOperationException($"building {project} failed (exit {build.ExitCode})");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Require(string name)
        => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set: the ingest benchmark needs the Redis and PostgreSQL that scripts/bench.sh starts (`make bench`).");
}
