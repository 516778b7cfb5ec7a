using Grpc.Core;
using Metering.Contracts.V1;
using Metering.Service.Flush;
using Metering.Testing;
using Metering.Tests.Infrastructure;
using Metering.Tests.Ingest;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Metering.Tests.Telemetry;

/// <summary>
/// The metering service's <c>/metrics</c> against what its callers did: the batches and records of a host's streams
/// and unary calls by result and reason, its last usage, sequence gaps, the gRPC call metric, the flusher's rows and
/// lag, authentication failures and permission denials. Host-labelled series are exact (each test has its own host);
/// the others are compared before and after, in a service of this class only (its flusher run by the tests), whose
/// tests run one at a time.
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed class MetricsTests : IClassFixture<MetricsTests.ManualFlushFixture>
{
    private readonly ManualFlushFixture _fixture;

    public MetricsTests(ManualFlushFixture fixture) => _fixture = fixture;

    [Fact]
    public async Task IngestCounters_SayWhatTheStreamsAndUnaryCallsOfAHostDid()
    {
        var (hostId, key) = await _fixture.NewHostAsync("metrics-ingest");
        var host = "metering_host=" + hostId;
        var before = await ScrapeAsync();
        var sent = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        // Stream: 3 accepted batches (6 records), 1 rejected for its model (2 records); then a replay of 1 and 2.
        var first = await IngestCalls.StreamAsync(_fixture.Channel, key,
        [
            IngestCalls.Batch("gw-1", 1, Rpc.Record("m", 1), Rpc.Record("m", 2), Rpc.Record("m", 3)),
            IngestCalls.Batch("gw-1", 2, Rpc.Record("m", 4), Rpc.Record("m", 5)),
            IngestCalls.Batch("gw-1", 3, Rpc.Record("m", 6), Rpc.Record("bad model!", 7)),
            IngestCalls.Batch("gw-1", 4, Rpc.Record("m", 8)),
        ]);
        Assert.Equal(StatusCode.OK, first.Status);
        var replay = await IngestCalls.StreamAsync(_fixture.Channel, key, [IngestCalls.Batch("gw-1", 1, Rpc.Record("m", 1), Rpc.Record("m", 2), Rpc.Record("m", 3)), IngestCalls.Batch("gw-1", 2, Rpc.Record("m", 4), Rpc.Record("m", 5))]);
        Assert.Equal([IngestResult.Duplicate, IngestResult.Duplicate], replay.Acks.Select(a => a.Result));

        // A gap ends the third stream after its first batch was acked.
        var gap = await IngestCalls.StreamAsync(_fixture.Channel, key, [IngestCalls.Batch("gw-1", 5, Rpc.Record("m", 9)), IngestCalls.Batch("gw-1", 7, Rpc.Record("m", 10))]);
        Assert.Equal(StatusCode.FailedPrecondition, gap.Status);

        // Unary: accepted (2 records), its retry a duplicate, and one rejected for a negative counter.
        var ingest = _fixture.Channel.Ingest();
        var accepted = new ReportUsageRequest { IdempotencyKey = "u-1", Records = { Rpc.Record("m", 11), Rpc.Record("m", 12) } };
        Assert.Equal(IngestResult.Accepted, (await ingest.ReportUsageAsync(accepted, Rpc.As(key))).Result);
        Assert.Equal(IngestResult.Duplicate, (await ingest.ReportUsageAsync(accepted, Rpc.As(key))).Result);
        Assert.Equal(IngestResult.Rejected, (await ingest.ReportUsageAsync(new ReportUsageRequest { IdempotencyKey = "u-2", Records = { Rpc.Record("m", -1) } }, Rpc.As(key))).Result);

        var after = await ScrapeAsync();
        Assert.Equal(4, after.Sum("metering_ingest_batches_total", host, "metering_transport=stream", "metering_result=accepted"));
        Assert.Equal(7, after.Sum("metering_ingest_records_total", host, "metering_transport=stream", "metering_result=accepted"));
        Assert.Equal(1, after.Sum("metering_ingest_batches_total", host, "metering_transport=stream", "metering_result=rejected", "metering_reason=MODEL_INVALID"));
        Assert.Equal(2, after.Sum("metering_ingest_records_total", host, "metering_transport=stream", "metering_result=rejected"));
        Assert.Equal(2, after.Sum("metering_ingest_batches_total", host, "metering_transport=stream", "metering_result=duplicate"));
        Assert.Equal(5, after.Sum("metering_ingest_records_total", host, "metering_transport=stream", "metering_result=duplicate"));
        Assert.Equal(1, after.Sum("metering_ingest_sequence_gaps_total", host));
        Assert.Equal(1, after.Sum("metering_ingest_batches_total", host, "metering_transport=unary", "metering_result=accepted"));
        Assert.Equal(2, after.Sum("metering_ingest_records_total", host, "metering_transport=unary", "metering_result=accepted"));
        Assert.Equal(1, after.Sum("metering_ingest_batches_total", host, "metering_transport=unary", "metering_result=duplicate"));
        Assert.Equal(1, after.Sum("metering_ingest_batches_total", host, "metering_transport=unary", "metering_result=rejected", "metering_reason=COUNTER_OUT_OF_RANGE"));
        Assert.Equal(10, after.Sum("metering_ingest_batches_total", host));
        Assert.InRange(after.Sum("metering_host_last_usage_time_seconds", host), sent, DateTimeOffset.UtcNow.ToUnixTimeSeconds());

        // Unlabelled by host: every batch acked (7 stream, 3 unary), three streams opened and closed.
        Assert.Equal(7, Delta(before, after, "metering_ingest_ack_duration_seconds_count", "metering_transport=stream"));
        Assert.Equal(3, Delta(before, after, "metering_ingest_ack_duration_seconds_count", "metering_transport=unary"));
        Assert.Equal(0, Delta(before, after, "metering_ingest_streams"));
        Assert.Equal(3, Delta(before, after, "rpc_server_call_duration_seconds_count", "rpc_method=ReportUsage", "rpc_grpc_status_code=0"));
        Assert.Equal(2, Delta(before, after, "rpc_server_call_duration_seconds_count", "rpc_method=StreamUsage", "rpc_grpc_status_code=0"));
        Assert.Equal(1, Delta(before, after, "rpc_server_call_duration_seconds_count", "rpc_method=StreamUsage", "rpc_grpc_status_code=9"));
        Assert.True(Delta(before, after, "metering_ingest_commit_batches_count") >= 1);
        Assert.Equal(10, Delta(before, after, "metering_ingest_commit_batches_sum"));
        Assert.Equal(0, after.Sum("metering_ingest_inflight"));
        Assert.True(after.Sum("metering_ingest_inflight_limit") > 0);
    }

    [Fact]
    public async Task FlushMetrics_CountTheRowsWritten_AndTheLagAgesUntilTheFlush()
    {
        var (hostId, key) = await _fixture.NewHostAsync("metrics-flush");
        var flusher = _fixture.Service.Services.GetRequiredService<UsageFlusher>();
        await flusher.FlushOnceAsync(CancellationToken.None);
        Assert.Equal(0, (await ScrapeAsync()).Sum("metering_flush_lag_seconds"));

        var at = DateTime.UtcNow.AddMinutes(-1);
        var response = await _fixture.Channel.Ingest().ReportUsageAsync(
            new ReportUsageRequest { IdempotencyKey = "f-1", Records = { Rpc.Record("a", 1, at: at), Rpc.Record("b", 2, at: at), Rpc.Record("a", 3, at: at.AddHours(-1)) } },
            Rpc.As(key));
        Assert.Equal(IngestResult.Accepted, response.Result);

        // The lag is read by the flusher: a cycle that fails to reach PostgreSQL would leave it aging. Here the
        // usage is flushed, so the lag read right after is 0 again and the rows are counted.
        var before = await ScrapeAsync();
        var rows = await flusher.FlushOnceAsync(CancellationToken.None);
        var after = await ScrapeAsync();
        Assert.Equal(3, rows);
        Assert.Equal(3, Delta(before, after, "metering_flush_rows_total"));
        Assert.Equal(1, Delta(before, after, "metering_flush_cycle_duration_seconds_count"));
        Assert.Equal(0, after.Sum("metering_flush_lag_seconds"));
        Assert.Equal(3, (await Rpc.TotalsByModelAsync(_fixture.Channel, key)).Values.Sum(r => r.Requests));
    }

    [Fact]
    public async Task FlushLag_IsTheAgeOfTheOldestUsageStillOnlyInRedis_WhilePostgresFails()
    {
        var (hostId, key) = await _fixture.NewHostAsync("metrics-lag");
        var flusher = _fixture.Service.Services.GetRequiredService<UsageFlusher>();
        await flusher.FlushOnceAsync(CancellationToken.None);

        var written = DateTimeOffset.UtcNow;
        var request = new ReportUsageRequest { IdempotencyKey = "l-1", Records = { Rpc.Record("m", 5) } };
        Assert.Equal(IngestResult.Accepted, (await _fixture.Channel.Ingest().ReportUsageAsync(request, Rpc.As(key))).Result);
        await Task.Delay(TimeSpan.FromSeconds(1.5));

        // With its table gone the cycle fails after the cut: the usage waits in its snapshot and the lag keeps its age.
        var before = await ScrapeAsync();
        await RenameUsageTableAsync("usage_hourly", "usage_hourly_away");
        try
        {
            await Assert.ThrowsAsync<Npgsql.PostgresException>(() => flusher.FlushOnceAsync(CancellationToken.None));
        }
        finally
        {
            await RenameUsageTableAsync("usage_hourly_away", "usage_hourly");
        }

        var failed = await ScrapeAsync();
        Assert.InRange(failed.Sum("metering_flush_lag_seconds"), 1.4, (DateTimeOffset.UtcNow - written).TotalSeconds + 0.5);
        Assert.Equal(1, Delta(before, failed, "metering_flush_failures_total", "metering_store=postgres"));
        Assert.Equal(0, Delta(before, failed, "metering_flush_rows_total"));

        // The next cycle finds the snapshot left behind, writes it once, and the lag is 0.
        Assert.Equal(1, await flusher.FlushOnceAsync(CancellationToken.None));
        var recovered = await ScrapeAsync();
        Assert.Equal(1, Delta(failed, recovered, "metering_flush_snapshots_orphaned_total"));
        Assert.Equal(1, Delta(failed, recovered, "metering_flush_snapshots_recovered_total"));
        Assert.Equal(0, recovered.Sum("metering_flush_lag_seconds"));
        Assert.Equal(5, (await _fixture.TotalsAsync(hostId)).InputTokens);
    }

    [Fact]
    public async Task AuthenticationFailures_ByReason_AndDenials_ByRole()
    {
        var (_, hostKey) = await _fixture.NewHostAsync("metrics-auth");
        var before = await ScrapeAsync();
        var ingest = _fixture.Channel.Ingest();
        var request = new ReportUsageRequest { IdempotencyKey = "a-1", Records = { Rpc.Record("m", 1) } };

        await AssertStatusAsync(StatusCode.Unauthenticated, () => ingest.ReportUsageAsync(request).ResponseAsync);
        await AssertStatusAsync(StatusCode.Unauthenticated, () => ingest.ReportUsageAsync(request, Rpc.As("no-such-key-0123456789abcdef")).ResponseAsync);
        await AssertStatusAsync(StatusCode.Unauthenticated, () => ingest.ReportUsageAsync(request, Rpc.As("another-unknown-key-0123456789")).ResponseAsync);
        await AssertStatusAsync(StatusCode.PermissionDenied, () => _fixture.Channel.Admin().CreateHostAsync(new CreateHostRequest { HostId = "not-allowed", DisplayName = "x" }, Rpc.As(hostKey)).ResponseAsync);

        var after = await ScrapeAsync();
        Assert.Equal(1, Delta(before, after, "metering_auth_failures_total", "metering_auth_reason=missing"));
        Assert.Equal(2, Delta(before, after, "metering_auth_failures_total", "metering_auth_reason=unknown"));
        Assert.Equal(0, Delta(before, after, "metering_auth_failures_total", "metering_auth_reason=revoked"));
        Assert.Equal(1, Delta(before, after, "metering_auth_denials_total", "metering_auth_role=host"));
        Assert.Equal(3, Delta(before, after, "rpc_server_call_duration_seconds_count", "rpc_method=ReportUsage", "rpc_grpc_status_code=16"));
        Assert.Equal(1, Delta(before, after, "rpc_server_call_duration_seconds_count", "rpc_service=metering.v1.AdminService", "rpc_method=CreateHost", "rpc_grpc_status_code=7"));
    }

    private async Task RenameUsageTableAsync(string from, string to)
    {
        await using var connection = new Npgsql.NpgsqlConnection(_fixture.Service.Postgres);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand($"ALTER TABLE {from} RENAME TO {to}", connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task AssertStatusAsync<T>(StatusCode expected, Func<Task<T>> call)
        => Assert.Equal(expected, (await Assert.ThrowsAsync<RpcException>(call)).StatusCode);

    private static double Delta(MetricsScrape before, MetricsScrape after, string name, params string[] labels)
        => after.Sum(name, labels) - before.Sum(name, labels);

    /// <summary>The service with its flusher run by the tests only.</summary>
    public sealed class ManualFlushFixture : MeteringServiceFixture
    {
        protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?> { ["Flush:Enabled"] = "false" };
    }

    private Task<MetricsScrape> ScrapeAsync() => MetricsScrape.ReadAsync(_fixture.Service.HttpAddress);
}
