using System.Globalization;
using Metering.Benchmarks;

// `make bench`: every benchmark in turn, or the ones named on the command line (transport, ingest, telemetry, unary,
// paging, flush, settlement). --seconds N shortens each measure (transport: 10 s by default; ingest: 30 s per run;
// telemetry: 15 s per run, 10 services with two runs each; unary: 15 s).
var secondsAt = Array.IndexOf(args, "--seconds");
var names = args.Where((a, i) => !a.StartsWith("--", StringComparison.Ordinal) && (secondsAt < 0 || i != secondsAt + 1)).ToList();
var seconds = secondsAt >= 0 && secondsAt + 1 < args.Length ? int.Parse(args[secondsAt + 1], CultureInfo.InvariantCulture) : (int?)null;
var all = names.Count == 0;

if (all || names.Contains("transport"))
{
    await TransportBenchmark.RunAsync(TimeSpan.FromSeconds(seconds ?? 10));
}

if (all || names.Contains("ingest"))
{
    Environment.ExitCode = await IngestBenchmark.RunAsync(TimeSpan.FromSeconds(seconds ?? 30));
}

if (all || names.Contains("telemetry"))
{
    Environment.ExitCode = Math.Max(Environment.ExitCode, await TelemetryBenchmark.RunAsync(TimeSpan.FromSeconds(seconds ?? 15)));
}

if (all || names.Contains("unary"))
{
    var unaryExit = await UnaryBenchmark.RunAsync(TimeSpan.FromSeconds(seconds ?? 15));
    Environment.ExitCode = Math.Max(Environment.ExitCode, unaryExit);
}

if (all || names.Contains("paging"))
{
    Environment.ExitCode = Math.Max(Environment.ExitCode, await PagingBenchmark.RunAsync());
}

if (all || names.Contains("flush"))
{
    await FlushBenchmark.RunAsync(
        Environment.GetEnvironmentVariable("METERING_REDIS") ?? throw new InvalidOperationException("METERING_REDIS is not set (run through `make bench`)."),
        Environment.GetEnvironmentVariable("METERING_POSTGRES") ?? throw new InvalidOperationException("METERING_POSTGRES is not set (run through `make bench`)."));
}

if (all || names.Contains("settlement"))
{
    var postgres = Environment.GetEnvironmentVariable("METERING_POSTGRES") ?? throw new InvalidOperationException("METERING_POSTGRES is not set (run through `make bench`).");
    var settleSeconds = await SettlementBenchmark.RunAsync(postgres);
    BenchResults.Report("settlement", "settlement.json",
    [
        ("seconds", "settle 1,000 hosts x 20 models x every hour of a month", settleSeconds, "s"),
    ]);
}
