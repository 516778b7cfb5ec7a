using System.CommandLine;
using System.Text.Json;
using Metering.Testing;
using Xunit;

namespace Metering.LoadGen.Tests;

/// <summary>A whole run of the load generator, in this process, against the metering service on the real Redis and PostgreSQL.</summary>
public sealed class LoadGenEndToEndTests
{
    // Every key tests/Metering.Benchmarks/IngestBenchmark.cs reads from an unpaced run, and the other figures of one.
    private static readonly string[] Keys =
    [
        "run_id", "records_per_sec", "ack_p50_ms", "ack_p90_ms", "ack_p99_ms", "ack_p999_ms", "ack_max_ms", "ack_latency_samples",
        "records_acked", "records_counted", "records_acked_measured", "records_sent", "batches_sent", "batches_acked", "duplicates",
        "rejected", "stream_failures", "exactly_once_pass", "measured_seconds", "target_rate", "streams", "hosts", "batch_size",
        "in_flight", "connections", "models", "loadgen_cpu_cores", "itself_cpu_cores", "machine_cpu_cores", "machine_core_count",
    ];

    [Fact]
    public async Task RecordsRun_PassesExactlyOnceAndWritesEveryFigure()
    {
        await using var service = await MeteringServiceHost.StartAsync();
        var json = Path.Combine(Path.GetTempPath(), $"metering-loadgen-test-{Guid.NewGuid():N}.json");
        using var output = new StringWriter();
        using var log = new StringWriter();
        var commandLine = new LoadGenCommandLine(
            _ => null,
            (options, cancellationToken) => new LoadGenRunner(options, TimeProvider.System, output, log).RunAsync(cancellationToken));
        try
        {
            var code = await commandLine.InvokeAsync(
                [
                    "--target", service.Address.ToString(), "--admin-key", MeteringServiceHost.AdminKey, "--records", "60000", "--streams", "3",
                    "--hosts", "2", "--batch-size", "250", "--in-flight", "8", "--wait-ready", "30", "--watch-pid", $"itself={Environment.ProcessId}",
                    "--json", json, "--no-progress",
                ],
                new InvocationConfiguration { ProcessTerminationTimeout = null },
                CancellationToken.None);

            Assert.True(code == ExitCodes.Pass, $"exit code {code}\n{output}\n{log}");
            Assert.Contains("exactly-once: PASS", output.ToString(), StringComparison.Ordinal);
            using var figures = JsonDocument.Parse(await File.ReadAllTextAsync(json));
            var root = figures.RootElement;
            Assert.All(Keys, key => Assert.True(root.TryGetProperty(key, out _), $"no {key} in {root}"));
            Assert.True(root.GetProperty("exactly_once_pass").GetBoolean());
            Assert.Equal(60_000, root.GetProperty("records_acked").GetInt64());
            Assert.Equal(60_000, root.GetProperty("records_counted").GetInt64());
            Assert.Equal(240, root.GetProperty("batches_acked").GetInt64());
            Assert.Equal(240, root.GetProperty("ack_latency_samples").GetInt64());
            Assert.True(root.GetProperty("records_per_sec").GetDouble() > 0);
            Assert.InRange(root.GetProperty("ack_p50_ms").GetDouble(), 0.001, root.GetProperty("ack_p99_ms").GetDouble());
            Assert.InRange(root.GetProperty("ack_p99_ms").GetDouble(), 0.001, root.GetProperty("ack_max_ms").GetDouble());
            Assert.Equal(0, root.GetProperty("target_rate").GetDouble());
            Assert.False(root.TryGetProperty("send_lag_p99_ms", out _), "send lag is a paced run's figure");

            // The watched process is this one, the load generator's: both figures cover the same time, the machine holds them.
            var self = root.GetProperty("loadgen_cpu_cores").GetDouble();
            Assert.True(self > 0, $"loadgen_cpu_cores {self}");
            Assert.InRange(root.GetProperty("itself_cpu_cores").GetDouble(), self - 0.05, self + 0.05);
            Assert.InRange(root.GetProperty("machine_cpu_cores").GetDouble(), self - 0.05, root.GetProperty("machine_core_count").GetDouble());
        }
        finally
        {
            File.Delete(json);
        }
    }

    [Fact]
    public async Task PacedRun_ReportsTheScheduleFigures()
    {
        await using var service = await MeteringServiceHost.StartAsync();
        var json = Path.Combine(Path.GetTempPath(), $"metering-loadgen-test-{Guid.NewGuid():N}.json");
        using var output = new StringWriter();
        using var log = new StringWriter();
        var commandLine = new LoadGenCommandLine(
            _ => null,
            (options, cancellationToken) => new LoadGenRunner(options, TimeProvider.System, output, log).RunAsync(cancellationToken));
        try
        {
            var code = await commandLine.InvokeAsync(
                [
                    "--target", service.Address.ToString(), "--admin-key", MeteringServiceHost.AdminKey, "--duration", "1", "--warmup", "0.5",
                    "--rate", "20000", "--streams", "2", "--hosts", "1", "--batch-size", "200", "--json", json, "--no-progress",
                ],
                new InvocationConfiguration { ProcessTerminationTimeout = null },
                CancellationToken.None);

            Assert.True(code == ExitCodes.Pass, $"exit code {code}\n{output}\n{log}");
            using var figures = JsonDocument.Parse(await File.ReadAllTextAsync(json));
            var root = figures.RootElement;
            Assert.Equal(20_000, root.GetProperty("target_rate").GetDouble());
            Assert.True(root.GetProperty("exactly_once_pass").GetBoolean());
            Assert.Equal(root.GetProperty("records_acked").GetInt64(), root.GetProperty("records_counted").GetInt64());
            Assert.InRange(root.GetProperty("records_per_sec").GetDouble(), 10_000, 30_000);
            foreach (var key in (string[])["send_lag_p50_ms", "send_lag_p99_ms", "pacing_overshoot_p50_ms", "pacing_overshoot_p99_ms"])
            {
                Assert.True(root.TryGetProperty(key, out var value) && value.GetDouble() >= 0, $"{key} in {root}");
            }
        }
        finally
        {
            File.Delete(json);
        }
    }
}
