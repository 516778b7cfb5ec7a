using Metering.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Metering.Persistence;
using Metering.Domain.Usage;
using Metering.Service.Flush;
using Metering.Service.Usage;
using Metering.Testing;
using Metering.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit;

namespace Metering.Tests.Flush;

public sealed class FlushTests : IAsyncLifetime
{
    private static readonly Dictionary<string, string?> ManualFlush = new() { ["Flush:Enabled"] = "false" };
    private MeteringServiceHost _service = null!;
    private GrpcChannel _channel = null!;

    public async Task InitializeAsync()
    {
        _service = await MeteringServiceHost.StartAsync(settings: ManualFlush);
        _channel = GrpcChannel.ForAddress(_service.Address);
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _service.DisposeAsync();
    }

    [Fact]
    public async Task Flush_MovesCountersToPostgres_TotalsUnchanged()
    {
        var key = await Rpc.CreateHostWithKeyAsync(_channel, "flush-a");
        await ReportAsync(key, "k1", Rpc.Record("m1", 10, 1), Rpc.Record("m2", 20, 2));
        var flusher = _service.Services.GetRequiredService<UsageFlusher>();

        Assert.Equal(2, await flusher.FlushOnceAsync(CancellationToken.None));
        Assert.Equal(30, await SumInputInPostgresAsync("flush-a"));
        var totals = await Rpc.TotalsByModelAsync(_channel, key);
        Assert.Equal(10, totals["m1"].InputTokens);
        Assert.Equal(20, totals["m2"].InputTokens);

        await ReportAsync(key, "k2", Rpc.Record("m1", 5));
        totals = await Rpc.TotalsByModelAsync(_channel, key);
        Assert.Equal(15, totals["m1"].InputTokens);
        Assert.Equal(0, await flusher.FlushOnceAsync(CancellationToken.None) - 1);
        Assert.Equal(35, await SumInputInPostgresAsync("flush-a"));
    }

    [Fact]
    public async Task SnapshotWrittenButNotDeleted_IsNotCountedTwice_AndIsRecoveredOnce()
    {
        var key = await Rpc.CreateHostWithKeyAsync(_channel, "flush-crash");
        await ReportAsync(key, "k1", Rpc.Record("m", 100));
        var store = _service.Services.GetRequiredService<RedisSnapshotStore>();
        var writer = _service.Services.GetRequiredService<UsageFlushWriter>();

        // A flusher that committed to PostgreSQL and died before deleting its snapshot.
        var snapshot = await store.CutAsync("flush-crash", "crashed-flush-1");
        Assert.NotNull(snapshot);
        Assert.Equal(1, await writer.WriteAsync([snapshot], DateTime.UtcNow, CancellationToken.None));

        // While the snapshot is still in Redis, queries count it once (PostgreSQL has its flush id).
        Assert.Equal(100, (await Rpc.TotalsByModelAsync(_channel, key))["m"].InputTokens);

        // Writing the same snapshot again adds nothing; the next cycle only deletes it.
        Assert.Equal(0, await writer.WriteAsync([snapshot], DateTime.UtcNow, CancellationToken.None));
        await _service.Services.GetRequiredService<UsageFlusher>().FlushOnceAsync(CancellationToken.None);
        Assert.Empty(await store.ReadLeftoversAsync("flush-crash"));
        Assert.Equal(100, await SumInputInPostgresAsync("flush-crash"));
        Assert.Equal(100, (await Rpc.TotalsByModelAsync(_channel, key))["m"].InputTokens);
    }

    [Fact]
    public async Task SnapshotCutButNotWritten_IsCountedFromRedis_ThenFlushedOnce()
    {
        var key = await Rpc.CreateHostWithKeyAsync(_channel, "flush-orphan");
        await ReportAsync(key, "k1", Rpc.Record("m", 7));
        var store = _service.Services.GetRequiredService<RedisSnapshotStore>();
        Assert.NotNull(await store.CutAsync("flush-orphan", "orphan-1"));
        await ReportAsync(key, "k2", Rpc.Record("m", 3));

        Assert.Equal(10, (await Rpc.TotalsByModelAsync(_channel, key))["m"].InputTokens);
        await _service.Services.GetRequiredService<UsageFlusher>().FlushOnceAsync(CancellationToken.None);
        Assert.Equal(10, await SumInputInPostgresAsync("flush-orphan"));
        Assert.Equal(10, (await Rpc.TotalsByModelAsync(_channel, key))["m"].InputTokens);
    }

    [Fact]
    public async Task CutCommittedBetweenRedisAndPostgresReads_IsDetectedByItsStamp()
    {
        var key = await Rpc.CreateHostWithKeyAsync(_channel, "flush-race");
        await ReportAsync(key, "k1", Rpc.Record("m", 10));
        var hour = DateTime.UtcNow.Date;
        var query = new UsageQuery(hour.AddDays(-2), hour.AddDays(2), new HashSet<string> { "flush-race" }, null, false, false, UsageGranularity.Total);

        // The query's Redis read sees the bucket live...
        var redisRead = await _service.Services.GetRequiredService<RedisUsageReader>().ReadAsync("flush-race");
        Assert.Single(redisRead.Live);

        // ...a flush cuts and commits it before the PostgreSQL read...
        Assert.Equal(1, await _service.Services.GetRequiredService<UsageFlusher>().FlushOnceAsync(CancellationToken.None));
        await using var read = await _service.Services.GetRequiredService<UsageRepository>().BeginReadAsync(CancellationToken.None);
        var rows = await read.WindowAsync(query, query.StartUtc, query.EndUtc, after: null, CancellationToken.None);
        Assert.Equal(10, rows.Single().Counters.InputTokens);
        var latestCuts = await read.LatestCutsAsync(query.Hosts, CancellationToken.None);

        // ...so counting both would say 20: the cut's stamp is later than the Redis read, and the query reads again.
        Assert.True(latestCuts["flush-race"] > redisRead.ReadStamp);
        Assert.Equal(10, (await Rpc.TotalsByModelAsync(_channel, key))["m"].InputTokens);
    }

    [Fact]
    public async Task TwoFlushersAtOnce_CountEverythingOnce()
    {
        var key = await Rpc.CreateHostWithKeyAsync(_channel, "flush-pair");
        await using var second = await MeteringServiceHost.StartAsync(_service.Postgres, _service.RedisPrefix, ManualFlush);
        var first = _service.Services.GetRequiredService<UsageFlusher>();
        var other = second.Services.GetRequiredService<UsageFlusher>();
        long sent = 0;
        for (var round = 0; round < 20; round++)
        {
            await ReportAsync(key, "r" + round, Rpc.Record("m", round + 1));
            sent += round + 1;
            await Task.WhenAll(first.FlushOnceAsync(CancellationToken.None), other.FlushOnceAsync(CancellationToken.None));
        }

        await first.FlushOnceAsync(CancellationToken.None);
        Assert.Equal(sent, await SumInputInPostgresAsync("flush-pair"));
        Assert.Equal(sent, (await Rpc.TotalsByModelAsync(_channel, key))["m"].InputTokens);
    }

    private async Task ReportAsync(string key, string idempotencyKey, params UsageRecord[] records)
    {
        var response = await _channel.Ingest().ReportUsageAsync(new ReportUsageRequest { IdempotencyKey = idempotencyKey, Records = { records } }, Rpc.As(key)).ResponseAsync;
        Assert.Equal(IngestResult.Accepted, response.Result);
    }

    private async Task<long> SumInputInPostgresAsync(string hostId)
    {
        await using var connection = new NpgsqlConnection(_service.Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT COALESCE(sum(input_tokens), 0)::bigint FROM usage_hourly WHERE host_id = @h", connection);
        command.Parameters.AddWithValue("h", hostId);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
