using System.Globalization;
using Metering.Contracts.V1;
using Metering.Domain.Usage;
using Grpc.Core;
using Grpc.Net.Client;
using Metering.Service.Flush;
using Metering.Service.Redis;
using Metering.Testing;
using Metering.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using StackExchange.Redis;
using Xunit;

namespace Metering.Tests.Ingest;

/// <summary>
/// The ingest script counts the records of a bucket's first usage ever under "&lt;hour&gt;:&lt;model&gt;|N" in the host's live
/// hash "&lt;prefix&gt;:{&lt;host&gt;}:live", and every later batch under "|n", flushed or not: the flusher inserts an N bucket
/// without looking for its row. A batch undone for overflow leaves no count behind. The flusher is run by hand;
/// the limits let one batch of 1,000 records reach the 4*10^18 bucket limit.
/// </summary>
public sealed class FirstUsageMarkTests : IClassFixture<FirstUsageMarkTests.Fixture>
{
    private const long Max = 1_000_000_000_000_000;

    private readonly Fixture _fixture;

    public FirstUsageMarkTests(Fixture fixture) => _fixture = fixture;

    [Fact]
    public async Task BucketsFirstBatch_CountsRecordsUnderN_LaterBatchesAndBatchesAfterFlush_UnderLowercaseN()
    {
        var (hostId, key) = await _fixture.NewHostAsync("first");
        var at = EventTime();
        var hourBefore = at.AddHours(-1);
        const string model = "org/model:a";
        var bucket = Member(at, model);
        var other = Member(at, "other");

        await ReportAsync(key, "k1", Rpc.Record(model, 10, 1, 1, at, billed: 100), Rpc.Record(model, 20, 2, 1, at), Rpc.Record("other", 5, 0, 1, at));
        Assert.Equal(
            Fields((bucket, "b", 100), (bucket, "i", 30), (bucket, "N", 2), (bucket, "o", 3), (bucket, "r", 2), (other, "i", 5), (other, "N", 1), (other, "r", 1)),
            await LiveFieldsAsync(hostId));

        await ReportAsync(key, "k2", Rpc.Record(model, 1, 0, 1, at), Rpc.Record(model, 2, 0, 1, at), Rpc.Record(model, 3, 0, 1, at));
        Assert.Equal(
            Fields((bucket, "b", 100), (bucket, "i", 36), (bucket, "n", 3), (bucket, "N", 2), (bucket, "o", 3), (bucket, "r", 5), (other, "i", 5), (other, "N", 1), (other, "r", 1)),
            await LiveFieldsAsync(hostId));

        await FlushAsync();
        Assert.False(await (await RedisAsync()).KeyExistsAsync(LiveKey(hostId)));
        Assert.Equal(["org/model:a@0 i=36 o=3 r=5 b=100 n=5", "other@0 i=5 o=0 r=1 b=0 n=1"], await RowsInPostgresAsync(hostId, at));

        // PostgreSQL has the bucket now: |n. The same model an hour earlier is another bucket, used for the first time.
        await ReportAsync(key, "k3", Rpc.Record(model, 7, 0, 1, at), Rpc.Record(model, 9, 0, 1, hourBefore));
        Assert.Equal(
            Fields((bucket, "i", 7), (bucket, "n", 1), (bucket, "r", 1), (Member(hourBefore, model), "i", 9), (Member(hourBefore, model), "N", 1), (Member(hourBefore, model), "r", 1)),
            await LiveFieldsAsync(hostId));
        var totals = await Rpc.TotalsByModelAsync(_fixture.Channel, key);
        Assert.Equal((52L, 3L, 7L, 100L), (totals[model].InputTokens, totals[model].OutputTokens, totals[model].Requests, totals[model].BilledMicros));
        Assert.Equal((5L, 1L), (totals["other"].InputTokens, totals["other"].Requests));

        await FlushAsync();
        Assert.Equal(
            ["org/model:a@-1 i=9 o=0 r=1 b=0 n=1", "org/model:a@0 i=43 o=3 r=6 b=100 n=6", "other@0 i=5 o=0 r=1 b=0 n=1"],
            await RowsInPostgresAsync(hostId, at));
        totals = await Rpc.TotalsByModelAsync(_fixture.Channel, key);
        Assert.Equal((52L, 3L, 7L, 100L), (totals[model].InputTokens, totals[model].OutputTokens, totals[model].Requests, totals[model].BilledMicros));
    }

    [Fact]
    public async Task BucketsFirstBatchOverflows_IsUndoneWithoutACount_ItsNextBatchIsStillItsFirstUsage()
    {
        var (hostId, key) = await _fixture.NewHostAsync("first-overflow");
        var at = EventTime();
        var huge = Member(at, "huge");

        // 1,000 records of 10^15 in four counters: 4*10^18 + 1,000, past the limit in the bucket's very first batch.
        await ReportOverflowAsync(key, "k1", Enumerable.Repeat(Rpc.Record("huge", Max, Max, Max, at, Max), 1000).ToArray());
        Assert.Empty(await LiveFieldsAsync(hostId));
        Assert.False((await Rpc.TotalsByModelAsync(_fixture.Channel, key)).ContainsKey("huge"));

        await ReportAsync(key, "k2", Rpc.Record("huge", 4, 0, 1, at));
        Assert.Equal(Fields((huge, "i", 4), (huge, "N", 1), (huge, "r", 1)), await LiveFieldsAsync(hostId));

        await FlushAsync();
        Assert.Equal(["huge@0 i=4 o=0 r=1 b=0 n=1"], await RowsInPostgresAsync(hostId, at));
        Assert.Equal(4, (await Rpc.TotalsByModelAsync(_fixture.Channel, key))["huge"].InputTokens);
    }

    [Fact]
    public async Task BatchOverflowingOneBucket_UndoesTheFirstUsageOfAnother_AndOverflowAfterFlush_LeavesOnlyLowercaseN()
    {
        var (hostId, key) = await _fixture.NewHostAsync("other-overflow");
        var at = EventTime();
        var big = Member(at, "big");
        var side = Member(at, "side");
        var nearLimit = Enumerable.Repeat(Rpc.Record("big", Max, Max, Max, at, Max), 999).ToArray();
        var past = Enumerable.Repeat(Rpc.Record("big", Max, Max, Max, at, Max), 2).ToArray();
        const long nearSum = 999 * Max;

        // 999 records: 3.996*10^18 + 999, under the limit. Then two more push "big" past it, and take the batch's
        // first usage of "side" with them.
        await ReportAsync(key, "k1", nearLimit);
        await ReportOverflowAsync(key, "k2", [.. past, Rpc.Record("side", 5, 0, 1, at)]);
        var nearFields = Fields((big, "b", nearSum), (big, "i", nearSum), (big, "N", 999), (big, "o", nearSum), (big, "r", nearSum));
        Assert.Equal(nearFields, await LiveFieldsAsync(hostId));

        await ReportAsync(key, "k3", Rpc.Record("side", 5, 0, 1, at));
        Assert.Equal(
            Fields((big, "b", nearSum), (big, "i", nearSum), (big, "N", 999), (big, "o", nearSum), (big, "r", nearSum), (side, "i", 5), (side, "N", 1), (side, "r", 1)),
            await LiveFieldsAsync(hostId));

        // With the bucket in PostgreSQL an overflowing batch is undone too, and the next one counts under |n.
        await FlushAsync();
        await ReportOverflowAsync(key, "k4", past);
        Assert.Empty(await LiveFieldsAsync(hostId));
        await ReportAsync(key, "k5", Rpc.Record("big", 1, 0, 0, at));
        Assert.Equal(Fields((big, "i", 1), (big, "n", 1)), await LiveFieldsAsync(hostId));

        await FlushAsync();
        Assert.Equal(
            [
                string.Create(CultureInfo.InvariantCulture, $"big@0 i={nearSum + 1} o={nearSum} r={nearSum} b={nearSum} n=1000"),
                "side@0 i=5 o=0 r=1 b=0 n=1",
            ],
            await RowsInPostgresAsync(hostId, at));
        var totals = await Rpc.TotalsByModelAsync(_fixture.Channel, key);
        Assert.Equal((nearSum + 1, nearSum, nearSum, nearSum), (totals["big"].InputTokens, totals["big"].OutputTokens, totals["big"].Requests, totals["big"].BilledMicros));
        Assert.Equal(5, totals["side"].InputTokens);
    }

    /// <remarks>
    /// The script tells a first usage by its bucket total equalling the batch's sum, compared as Lua numbers (doubles):
    /// a batch of ~4*10^18 onto a total of 2 compares equal and is counted under |N although PostgreSQL has the row.
    /// The flusher's insert then collides and it redoes the transaction as an upsert: the totals must stay exact.
    /// </remarks>
    [Fact]
    public async Task BatchFarLargerThanItsFlushedBucket_IsFlushedExactly()
    {
        var (hostId, key) = await _fixture.NewHostAsync("far-larger");
        var at = EventTime();
        const long sum = 999 * Max;

        await ReportAsync(key, "k1", Rpc.Record("m", 1, 0, 0, at), Rpc.Record("small", 3, 0, 1, at));
        await FlushAsync();
        await ReportAsync(key, "k2", [.. Enumerable.Repeat(Rpc.Record("m", Max, Max, Max, at, Max), 999), Rpc.Record("new", 2, 0, 1, at)]);
        await FlushAsync();

        Assert.Equal(
            [string.Create(CultureInfo.InvariantCulture, $"m@0 i={sum + 1} o={sum} r={sum} b={sum} n=1000"), "new@0 i=2 o=0 r=1 b=0 n=1", "small@0 i=3 o=0 r=1 b=0 n=1"],
            await RowsInPostgresAsync(hostId, at));
        Assert.Equal(sum + 1, (await Rpc.TotalsByModelAsync(_fixture.Channel, key))["m"].InputTokens);
    }

    /// <summary>
    /// "|t0" holds the Redis time (µs) of the live hash's first write since its last cut: later batches leave it, the
    /// cut takes it along into the snapshot, and the next batch after the cut starts a new one.
    /// </summary>
    [Fact]
    public async Task FirstWriteTime_IsSetByTheFirstBatchSinceTheCut_AndKeptByLaterOnes()
    {
        var (hostId, key) = await _fixture.NewHostAsync("first-write");
        var at = EventTime();
        var redis = await RedisAsync();
        Assert.False(await redis.HashExistsAsync(LiveKey(hostId), "|t0"));

        var before = await RedisMicrosecondsAsync(redis);
        await ReportAsync(key, "k1", Rpc.Record("m", 1, 0, 1, at));
        var first = (long)await redis.HashGetAsync(LiveKey(hostId), "|t0");
        Assert.InRange(first, before, await RedisMicrosecondsAsync(redis));

        await Task.Delay(5);
        await ReportAsync(key, "k2", Rpc.Record("m", 2, 0, 1, at));
        Assert.Equal(first, (long)await redis.HashGetAsync(LiveKey(hostId), "|t0"));

        await FlushAsync();
        Assert.False(await redis.KeyExistsAsync(LiveKey(hostId)));
        var afterCut = await RedisMicrosecondsAsync(redis);
        await ReportAsync(key, "k3", Rpc.Record("m", 4, 0, 1, at));
        Assert.True((long)await redis.HashGetAsync(LiveKey(hostId), "|t0") >= afterCut);
        Assert.Equal(["m@0 i=3 o=0 r=2 b=0 n=2"], await RowsInPostgresAsync(hostId, at));
    }

    private static async Task<long> RedisMicrosecondsAsync(IDatabase redis)
    {
        var time = (RedisResult[])(await redis.ExecuteAsync("TIME"))!;
        return ((long)time[0] * 1_000_000) + (long)time[1];
    }

    /// <summary>A minute ago, fixed for the whole test so every batch lands in the same hour bucket.</summary>
    private static DateTime EventTime() => DateTime.UtcNow.AddMinutes(-1);

    private static string Member(DateTime at, string model)
        => new HourBucket(HourBucket.HourOf(new DateTimeOffset(at).ToUnixTimeSeconds()), model).ToMember();

    private static string[] Fields(params (string Member, string Counter, long Value)[] fields)
        => fields.Select(f => string.Create(CultureInfo.InvariantCulture, $"{f.Member}|{f.Counter}={f.Value}")).Order(StringComparer.Ordinal).ToArray();

    private string LiveKey(string hostId) => _fixture.Service.RedisPrefix + ":{" + hostId + "}:live";

    private async Task<IDatabase> RedisAsync() => await _fixture.Service.Services.GetRequiredService<RedisConnection>().GetDatabaseAsync();

    /// <summary>The live hash's fields that hold a count (an undone batch may leave fields at 0); "|t0" is no count.</summary>
    private async Task<string[]> LiveFieldsAsync(string hostId)
        => (await (await RedisAsync()).HashGetAllAsync(LiveKey(hostId)))
            .Where(e => e.Name != "|t0" && (long)e.Value != 0)
            .Select(e => string.Create(CultureInfo.InvariantCulture, $"{e.Name}={(long)e.Value}"))
            .Order(StringComparer.Ordinal)
            .ToArray();

    private async Task FlushAsync() => await _fixture.Service.Services.GetRequiredService<UsageFlusher>().FlushOnceAsync(CancellationToken.None);

    private async Task ReportAsync(string key, string idempotencyKey, params UsageRecord[] records)
    {
        var response = await _fixture.Channel.Ingest().ReportUsageAsync(new ReportUsageRequest { IdempotencyKey = idempotencyKey, Records = { records } }, Rpc.As(key)).ResponseAsync;
        Assert.Equal(IngestResult.Accepted, response.Result);
        Assert.Equal(records.Length, response.RecordsAccepted);
    }

    private async Task ReportOverflowAsync(string key, string idempotencyKey, params UsageRecord[] records)
    {
        var response = await _fixture.Channel.Ingest().ReportUsageAsync(new ReportUsageRequest { IdempotencyKey = idempotencyKey, Records = { records } }, Rpc.As(key)).ResponseAsync;
        Assert.Equal(IngestResult.Rejected, response.Result);
        Assert.Equal("COUNTER_TOTAL_OVERFLOW", Assert.Single(response.Violations).Reason);
    }

    /// <summary>The host's rows in usage_hourly, as "model@hours-from-the-test's-hour i= o= r= b= n=".</summary>
    private async Task<string[]> RowsInPostgresAsync(string hostId, DateTime at)
    {
        var hour = new DateTime(at.Year, at.Month, at.Day, at.Hour, 0, 0, DateTimeKind.Utc);
        await using var connection = new NpgsqlConnection(_fixture.Service.Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT model, hour, input_tokens, output_tokens, requests, billed_micros, records FROM usage_hourly WHERE host_id = @h",
            connection);
        command.Parameters.AddWithValue("h", hostId);
        var rows = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var hours = (int)(reader.GetFieldValue<DateTime>(1) - hour).TotalHours;
            rows.Add(string.Create(CultureInfo.InvariantCulture, $"{reader.GetString(0)}@{hours} i={reader.GetInt64(2)} o={reader.GetInt64(3)} r={reader.GetInt64(4)} b={reader.GetInt64(5)} n={reader.GetInt64(6)}"));
        }

        return [.. rows.Order(StringComparer.Ordinal)];
    }

    public sealed class Fixture : MeteringServiceFixture
    {
        protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
        {
            ["Flush:Enabled"] = "false",
            ["Ingest:MaxRecordsPerMessage"] = "1000",
            ["Ingest:MaxCounterValue"] = "1000000000000000",
        };
    }
}
