using Metering.Domain.Ingest;
using Metering.Domain.Usage;
using Metering.Service.Ingest;
using Metering.Service.Redis;
using Metering.Testing;
using StackExchange.Redis;
using Xunit;

namespace Metering.Tests.Ingest;

/// <summary>
/// The ingest Lua step against the real Redis with several batches in ONE step (as a group commit sends them): it
/// reads producer state and bucket totals once, sums the applied batches' deltas per field and writes each once, so
/// these tests pin what that must not change — decisions in batch order, exact counts, the first-usage mark, the
/// overflow refusal — and the receipt chain: each producer's head stored with its sequence, only over the head a
/// batch was chained to, and handed back for a duplicate of the head.
/// </summary>
public sealed class IngestScriptTests : IAsyncLifetime
{
    private const long Hour = 1_764_000_000 - (1_764_000_000 % 3600);

    private ConnectionMultiplexer _redis = null!;
    private RedisKeys.HostKeys _keys = null!;

    public async Task InitializeAsync()
    {
        _redis = await ConnectionMultiplexer.ConnectAsync(TestInfrastructure.Redis);
        _keys = new RedisKeys(TestInfrastructure.NewRedisPrefix()).For("h");
    }

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task OneProducersBatchesInOneStep_AreDecidedInOrder_AndCountedOnce()
    {
        var results = await RunAsync(
            Seq("gw", 1, ("m", 10)),
            Seq("gw", 2, ("m", 20)),
            Seq("gw", 3, ("m", 30), ("n", 1)),
            Seq("gw", 2, ("m", 1000)),
            Seq("gw", 5, ("m", 1000)),
            Seq("other", 1, ("m", 7)));

        Assert.Equal(new long[] { 0, 0, 0, -1, 4, 0 }, results);
        Assert.Equal(67, await FieldAsync("m", "i"));
        Assert.Equal(4, await FieldAsync("m", "N"));
        Assert.Equal(1, await FieldAsync("n", "i"));
        Assert.Equal(State("gw", 3), (string?)await Db.StringGetAsync(_keys.Prefix + "p:gw"));
        Assert.Equal(State("other", 1), (string?)await Db.StringGetAsync(_keys.Prefix + "p:other"));

        // The next step reads the stored state: 4 applies, 3 is a duplicate; the bucket is no longer new (|n).
        Assert.Equal(new long[] { -1, 0 }, await RunAsync(Seq("gw", 3, ("m", 1)), Seq("gw", 4, ("m", 5))));
        Assert.Equal(72, await FieldAsync("m", "i"));
        Assert.Equal(1, await FieldAsync("m", "n"));
        Assert.Equal(4, await FieldAsync("m", "N"));
    }

    [Fact]
    public async Task IdempotencyKeysInOneStep_ApplyOnce_ARepeatIsDuplicate_OtherRecordsAreRefused()
    {
        var results = await RunAsync(Key("k1", "hash-a", ("m", 10)), Key("k1", "hash-a", ("m", 10)), Key("k1", "hash-b", ("m", 99)), Key("k2", "hash-c", ("m", 5)));
        Assert.Equal(new long[] { 0, -1, -2, 0 }, results);
        Assert.Equal(15, await FieldAsync("m", "i"));
        Assert.Equal(2, await FieldAsync("m", "N"));
    }

    [Fact]
    public async Task BatchThatWouldPassTheLimitMidStep_IsRefused_ItsSequenceConsumed_TheOthersApply()
    {
        const long big = 999_999_999_999_999;

        // 4,000 records of big: exactly 4*10^18 in the bucket total (counters and records); +10,001 would pass it.
        // Batch 3 was chained to batch 2's head as if 2 applied: a chain conflict, nothing of it applied; 4 is then a gap.
        var results = await RunAsync(
            Seq("gw", 1, [.. Enumerable.Repeat(("m", big), 4000)]),
            Seq("gw", 2, ("m", 10_000)),
            Seq("gw", 3, ("m", 1)),
            Seq("gw", 4, ("fresh", 2)));
        Assert.Equal(new long[] { 0, -3, -4, 3 }, results);
        Assert.Equal(big * 4000, await FieldAsync("m", "i"));
        Assert.Equal(State("gw", 2, overflowed: true), (string?)await Db.StringGetAsync(_keys.Prefix + "p:gw"));

        // Chained to the head batch 2 really got (REJECTED), 3 and 4 apply.
        Assert.Equal(new long[] { 0, 0 }, await RunAsync(Seq("gw", 3, afterOverflow: true, ("m", 1)), Seq("gw", 4, ("fresh", 2))));
        Assert.Equal((big * 4000) + 1, await FieldAsync("m", "i"));
        Assert.Equal(State("gw", 4), (string?)await Db.StringGetAsync(_keys.Prefix + "p:gw"));
        Assert.Equal((big * 4000) + 1 + 4001, (long)await Db.StringGetAsync(_keys.Prefix + "sum:" + Member("m")));
        Assert.Equal(2, await FieldAsync("fresh", "i"));
    }

    [Fact]
    public async Task DuplicateOfTheHead_GetsTheStoredReceipt_AnOlderDuplicateNone()
    {
        Assert.Equal(new long[] { 0, 0 }, await RunAsync(Seq("gw", 1, ("m", 1)), Seq("gw", 2, ("m", 1))));

        var (codes, stored) = await RunWithStatesAsync(Seq("gw", 2, ("m", 1)), Seq("gw", 1, ("m", 1)), Key("k", "hash-a", ("m", 1)), Key("k", "hash-a", ("m", 1)));

        Assert.Equal(new long[] { -1, -1, 0, -1 }, codes);
        Assert.Equal<IEnumerable<string?>>([State("gw", 2), null, null, "hash-a|" + Request], stored);
        Assert.Equal(3, await FieldAsync("m", "i"));
    }

    [Fact]
    public async Task BatchChainedToAnotherHead_IsAConflict_NothingApplied_TheSequenceNotConsumed()
    {
        Assert.Equal(new long[] { 0 }, await RunAsync(Seq("gw", 1, ("m", 1))));

        // Another stream of the producer chained 2 to a head it never had; a batch with no state to store is refused too.
        var stranger = new PendingCommit("h", bySequence: true, "gw", "2", Deltas([("m", 50)]), Chain("elsewhere", 1, overflowed: false), State("gw", 2), State("gw", 2, overflowed: true));
        var stateless = new PendingCommit("h", bySequence: true, "gw", "2", Deltas([("m", 50)]), string.Empty, string.Empty, string.Empty);
        Assert.Equal(new long[] { -4, -4, 0 }, await RunAsync(stranger, stateless, Seq("gw", 2, ("m", 2))));

        Assert.Equal(3, await FieldAsync("m", "i"));
        Assert.Equal(State("gw", 2), (string?)await Db.StringGetAsync(_keys.Prefix + "p:gw"));
    }

    [Fact]
    public async Task ProducerStoredBeforeReceipts_TakesTheNextBatch_AndThenHasAHead()
    {
        await Db.StringSetAsync(_keys.Prefix + "p:gw", "7");

        Assert.Equal(new long[] { -1, 0, 0 }, await RunAsync(Seq("gw", 7, ("m", 1)), Seq("gw", 8, ("m", 1)), Seq("gw", 9, ("m", 1))));

        Assert.Equal(State("gw", 9), (string?)await Db.StringGetAsync(_keys.Prefix + "p:gw"));
        Assert.Equal(2, await FieldAsync("m", "i"));
    }

    [Fact]
    public async Task SumsPast2Pow53_AndDeltasOf16Digits_StayExact()
    {
        const long fifteenDigits = 999_999_999_999_999;
        const long sixteenDigits = 9_999_999_999_999_999;
        var batches = Enumerable.Range(1, 20).Select(i => Seq("gw", (ulong)i, ("m", fifteenDigits))).ToList();
        batches.Add(Seq("gw", 21, ("m", sixteenDigits)));
        batches.Add(Seq("gw", 22, ("m", 3)));
        Assert.All(await RunAsync([.. batches]), r => Assert.Equal(0L, r));
        Assert.Equal((20 * fifteenDigits) + sixteenDigits + 3, await FieldAsync("m", "i"));
        Assert.Equal(22, await FieldAsync("m", "N"));
    }

    private IDatabase Db => _redis.GetDatabase();

    private static string Member(string model) => new HourBucket(Hour, model).ToMember();

    private async Task<long[]> RunAsync(params PendingCommit[] group) => (await RunWithStatesAsync(group)).Codes;

    /// <summary>The step's code per batch and, per batch, the stored state it handed back (duplicates of a head or key).</summary>
    private async Task<(long[] Codes, string?[] Stored)> RunWithStatesAsync(params PendingCommit[] group)
    {
        var args = IngestScript.Arguments(_keys.PrefixValue, 86_400, 86_400, 3600, group);
        var result = (RedisResult[])(await Db.ScriptEvaluateAsync(IngestScript.Source, [_keys.Live], args))!;
        var codes = (RedisResult[])result[0]!;
        var extras = (RedisResult[])result[1]!;
        var stored = new string?[group.Length];
        for (var i = 0; i < extras.Length; i += 2)
        {
            stored[(int)(long)extras[i] - 1] = (string?)extras[i + 1];
        }

        return ([.. codes.Select(r => (long)r)], stored);
    }

    private async Task<long> FieldAsync(string model, string field)
        => (long)await Db.HashGetAsync(_keys.Live, Member(model) + "|" + field);

    // The step stores and compares chain values without computing them: stand-ins per producer and sequence do.
    private static readonly string Request = new('e', 64);

    private static string Chain(string producer, ulong sequence, bool overflowed)
        => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{producer}/{sequence}/{overflowed}")));

    private static string State(string producer, ulong sequence, bool overflowed = false)
        => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{sequence}|{(overflowed ? 3 : 1)}|{Request}|{Chain(producer, sequence, overflowed)}");

    private static PendingCommit Seq(string producer, ulong sequence, params (string Model, long Input)[] records)
        => Seq(producer, sequence, afterOverflow: false, records);

    /// <summary>Batch <paramref name="sequence"/> chained to the head of the one before it (applied, or refused for overflow).</summary>
    private static PendingCommit Seq(string producer, ulong sequence, bool afterOverflow, params (string Model, long Input)[] records)
        => new(
            "h",
            bySequence: true,
            producer,
            sequence.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Deltas(records),
            Chain(producer, sequence - 1, afterOverflow),
            State(producer, sequence),
            State(producer, sequence, overflowed: true));

    private static PendingCommit Key(string key, string hash, params (string Model, long Input)[] records)
        => new("h", bySequence: false, key, hash, Deltas(records), string.Empty, hash + "|" + Request, string.Empty);

    private static BucketDelta[] Deltas((string Model, long Input)[] records)
        => [.. records.GroupBy(r => r.Model).Select(g => new BucketDelta(new HourBucket(Hour, g.Key), new UsageCounters(g.Sum(r => r.Input), 0, 0, 0, g.Count())))];
}
