using System.Diagnostics;
using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using HdrHistogram;
using Metering.Contracts.V1;

namespace Metering.Benchmarks;

/// <summary>
/// Unary ingest: many concurrent callers send IngestService.ReportUsage, each call 10 records under an idempotency key
/// of its own, to the metering service as its own process (<see cref="ServiceProcess"/>). Reports calls/s (ACCEPTED
/// only) and call latency, then checks exactly-once: GetUsage must count exactly the accepted calls' records.
/// Writes .bench/unary.json (key <c>report_usage_calls_per_sec</c>).
/// </summary>
internal static class UnaryBenchmark
{
    private const int Callers = 128;
    private const int Connections = 2;
    private const int RecordsPerCall = 10;
    private static readonly string[] Models = ["llama-3.1-70b", "llama-3.1-8b", "mixtral-8x22b", "qwen-2.5-72b"];

    public static async Task<int> RunAsync(TimeSpan duration)
    {
        using var service = await ServiceProcess.StartAsync("unary-service.log");
        var runId = Guid.NewGuid().ToString("N")[..8];
        var hostId = $"unary-{runId}";
        var channels = Enumerable.Range(0, Connections).Select(_ => GrpcChannel.ForAddress(service.Address)).ToList();
        try
        {
            var admin = new AdminService.AdminServiceClient(channels[0]);
            var adminHeaders = Bearer(service.AdminKey);
            await admin.CreateHostAsync(new CreateHostRequest { HostId = hostId, DisplayName = hostId }, adminHeaders);
            var key = (await admin.CreateApiKeyAsync(new CreateApiKeyRequest { Role = Role.Host, HostId = hostId }, adminHeaders)).Secret;
            var clients = channels.Select(c => new IngestService.IngestServiceClient(c)).ToList();
            var headers = Bearer(key);
            var eventTime = Timestamp.FromDateTime(DateTime.UtcNow.AddMinutes(-1));

            Console.WriteLine($"unary: {Callers} callers on {Connections} connections, {RecordsPerCall} records per call, 2 s warm-up, {duration.TotalSeconds:0} s measured");
            var histogram = new LongHistogram(TimeStamp.Minutes(1), 3);
            var warmUp = await RunCallersAsync(clients, headers, eventTime, $"{runId}-w", TimeSpan.FromSeconds(2), null);
            var stopwatch = Stopwatch.StartNew();
            var measured = await RunCallersAsync(clients, headers, eventTime, $"{runId}-m", duration, histogram);
            var seconds = stopwatch.Elapsed.TotalSeconds;
            var accepted = warmUp.Accepted + measured.Accepted;
            var other = warmUp.Other + measured.Other;

            var counted = await CountRecordsAsync(new UsageService.UsageServiceClient(channels[0]), adminHeaders, hostId);
            var expected = accepted * RecordsPerCall;
            var pass = other == 0 && counted == expected;
            Console.WriteLine($"unary: exactly-once {(pass ? "PASS" : "FAIL")}: {accepted:N0} calls ACCEPTED ({expected:N0} records), {other:N0} other answers, GetUsage counts {counted:N0} records");
            BenchResults.Report("unary ingest: ReportUsage, 10 records per call, unique idempotency keys", "unary.json",
            [
                ("report_usage_calls_per_sec", $"ReportUsage calls/s ACCEPTED ({Callers} concurrent callers)", measured.Accepted / seconds, "calls/s"),
                ("records_per_sec", "records/s acknowledged", measured.Accepted * RecordsPerCall / seconds, "records/s"),
                ("call_p50_ms", "call latency p50", Millis(histogram, 50), "ms"),
                ("call_p99_ms", "call latency p99", Millis(histogram, 99), "ms"),
                ("call_p999_ms", "call latency p99.9", Millis(histogram, 99.9), "ms"),
                ("records_acked", "records acknowledged (ACCEPTED)", expected, "records"),
                ("records_counted", "records counted by GetUsage", counted, "records"),
                ("exactly_once_pass", "exactly-once check (1 = PASS)", pass ? 1 : 0, pass ? "PASS" : "FAIL"),
            ]);
            return pass ? 0 : 1;
        }
        finally
        {
            foreach (var channel in channels)
            {
                channel.Dispose();
            }
        }
    }

    private static async Task<(long Accepted, long Other)> RunCallersAsync(
        List<IngestService.IngestServiceClient> clients, Metadata headers, Timestamp eventTime, string keyPrefix, TimeSpan duration, LongHistogram? histogram)
    {
        long accepted = 0;
        long other = 0;
        var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var callers = Enumerable.Range(0, Callers).Select(caller => Task.Run(async () =>
        {
            var client = clients[caller % clients.Count];
            var request = new ReportUsageRequest();
            for (var i = 0; i < RecordsPerCall; i++)
            {
                request.Records.Add(new UsageRecord { Model = Models[i % Models.Length], InputTokens = 100, OutputTokens = 20, Requests = 1, EventTime = eventTime });
            }

            long mine = 0;
            long otherMine = 0;
            var recorder = histogram is null ? null : new LongHistogram(TimeStamp.Minutes(1), 3);
            for (long n = 0; Stopwatch.GetTimestamp() < until; n++)
            {
                request.IdempotencyKey = string.Create(CultureInfo.InvariantCulture, $"{keyPrefix}-{caller}-{n}");
                var started = Stopwatch.GetTimestamp();
                var response = await client.ReportUsageAsync(request, headers);
                recorder?.RecordValue(Stopwatch.GetTimestamp() - started);
                if (response.Result == IngestResult.Accepted)
                {
                    mine++;
                }
                else
                {
                    otherMine++;
                }
            }

            Interlocked.Add(ref accepted, mine);
            Interlocked.Add(ref other, otherMine);
            if (recorder is not null)
            {
                lock (histogram!)
                {
                    histogram.Add(recorder);
                }
            }
        }));
        await Task.WhenAll(callers);
        return (accepted, other);
    }

    private static async Task<long> CountRecordsAsync(UsageService.UsageServiceClient usage, Metadata headers, string hostId)
    {
        var end = DateTime.UtcNow;
        end = new DateTime(end.Year, end.Month, end.Day, end.Hour, 0, 0, DateTimeKind.Utc).AddHours(2);
        var response = await usage.GetUsageAsync(
            new GetUsageRequest { StartTime = Timestamp.FromDateTime(end.AddDays(-2)), EndTime = Timestamp.FromDateTime(end), HostIds = { hostId }, Granularity = Granularity.Total },
            headers);
        return response.Rows.Sum(r => r.Requests);
    }

    private static double Millis(LongHistogram histogram, double percentile)
        => histogram.TotalCount == 0 ? double.NaN : histogram.GetValueAtPercentile(percentile) * 1000.0 / Stopwatch.Frequency;

    private static Metadata Bearer(string key) => new() { { "authorization", "Bearer " + key } };
}
