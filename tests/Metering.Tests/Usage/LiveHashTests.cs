using System.Globalization;
using System.Text;
using Metering.Domain.Usage;
using Metering.Service.Usage;
using Metering.Testing;
using Metering.Tests.Infrastructure;
using StackExchange.Redis;
using Xunit;

namespace Metering.Tests.Usage;

/// <summary>
/// LiveHash reads a host's live hash or a flush snapshot: fields "&lt;hour&gt;:&lt;model&gt;|&lt;f&gt;" summed per bucket, where
/// "|N" holds the records of a bucket's first usage ever (and marks it). A snapshot comes from a plain HGETALL
/// (<see cref="HashEntry"/>s), the usage query's hash from a Lua HGETALL (<see cref="RedisResult"/>s); every case runs
/// through both, with names and values as bytes and as strings. The last tests take the hash from the real Redis.
/// </summary>
public sealed class LiveHashTests
{
    private const string HgetallScript = "return redis.call('HGETALL', KEYS[1])";

    [Fact]
    public void Parse_SeveralBucketsAndFields_SummedPerBucket()
    {
        string[] hash =
        [
            "1789999200:m1|i", "10", "1789999200:m1|o", "20", "1789999200:m1|r", "3", "1789999200:m1|b", "4000", "1789999200:m1|n", "5",
            "1790002800:m1|i", "11", "1789999200:m2|o", "12", "1790002800:m1|n", "1", "1789999200:vendor:m3|r", "2",
        ];

        AssertEveryParse(
            hash,
            [
                "1789999200:m1 i=10 o=20 r=3 b=4000 n=5",
                "1789999200:m2 i=0 o=12 r=0 b=0 n=0",
                "1789999200:vendor:m3 i=0 o=0 r=2 b=0 n=0",
                "1790002800:m1 i=11 o=0 r=0 b=0 n=1",
            ]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Parse_FirstUsageRecordsBesideLaterRecords_AddUpAndMarkOnlyTheirBucket(bool firstUsageFieldFirst)
    {
        string[] first = ["1789999200:m1|N", "3"];
        string[] later = ["1789999200:m1|n", "2"];
        string[] others = ["1789999200:m1|i", "10", "1789999200:m2|n", "4", "1789999200:m2|i", "5", "1790002800:m1|n", "1", "1790002800:m3|N", "7"];

        AssertEveryParse(
            [.. firstUsageFieldFirst ? first : later, .. others, .. firstUsageFieldFirst ? later : first],
            [
                "1789999200:m1 i=10 o=0 r=0 b=0 n=5 first",
                "1789999200:m2 i=5 o=0 r=0 b=0 n=4",
                "1790002800:m1 i=0 o=0 r=0 b=0 n=1",
                "1790002800:m3 i=0 o=0 r=0 b=0 n=7 first",
            ]);
    }

    [Fact]
    public void Parse_ModelWithColonAndSlash_KeepsTheWholeModel()
    {
        Assert.All(Parsers(["1790000000:org/model:a|i", "5", "1790000000:org/model:a|b", "7"]), parse =>
        {
            var parsed = Assert.Single(parse());
            Assert.Equal(new HourBucket(1790000000, "org/model:a"), parsed.Bucket);
            Assert.Equal((5L, 7L, false), (parsed.Counters.InputTokens, parsed.Counters.BilledMicros, parsed.FirstUsage));
        });
    }

    /// <summary>Field names up to 1,200 bytes are decoded on the stack, longer ones through a string: both sum alike.</summary>
    [Theory]
    [InlineData("m", 1187)]
    [InlineData("m", 1188)]
    [InlineData("m", 3000)]
    [InlineData("é", 593)]
    [InlineData("é", 594)]
    public void Parse_LongFieldNames_SummedPerBucket(string unit, int repeat)
    {
        var model = string.Concat(Enumerable.Repeat(unit, repeat));
        var member = "1789999200:" + model;

        Assert.All(Parsers([member + "|i", "5", member + "|N", "1", member + "|i", "6", member + "|n", "2"]), parse =>
        {
            var parsed = Assert.Single(parse());
            Assert.Equal(new HourBucket(1789999200, model), parsed.Bucket);
            Assert.Equal((11L, 3L, true), (parsed.Counters.InputTokens, parsed.Counters.Records, parsed.FirstUsage));
        });
    }

    [Fact]
    public void Parse_EmptyHash_GivesNoBuckets()
    {
        Assert.Empty(LiveHash.Parse(Array.Empty<HashEntry>()));
        Assert.Empty(LiveHash.Parse(Array.Empty<RedisResult>()));
    }

    [Theory]
    [InlineData("1789999200:m1")]
    [InlineData("1789999200:m1|")]
    [InlineData("|i")]
    [InlineData("")]
    [InlineData("1789999200:m1|ii")]
    [InlineData("1789999200:m1|x")]
    [InlineData("1789999200:m1|f")]
    [InlineData("1789999200:m1|F")]
    [InlineData("1789999200:m1|I")]
    [InlineData("1789999200:m1|B")]
    [InlineData("m1|i")]
    [InlineData(":m1|i")]
    [InlineData("x:m1|i")]
    [InlineData("17899992OO:m1|i")]
    public void Parse_MalformedFieldName_ThrowsFormatException(string field)
        => AssertEveryParseThrows<FormatException>(["1789999200:m1|i", "1", field, "5"]);

    /// <remarks>
    /// The value goes through StackExchange.Redis' cast of a RedisValue to long, which throws InvalidCastException, not
    /// FormatException, for a value that is no integer.
    /// </remarks>
    [Theory]
    [InlineData("5x")]
    [InlineData("abc")]
    [InlineData("1.5")]
    [InlineData("0x10")]
    [InlineData("")]
    public void Parse_NonIntegerValue_ThrowsInvalidCastException(string value)
        => AssertEveryParseThrows<InvalidCastException>(["1789999200:m1|i", "1", "1789999200:m1|o", value]);

    /// <remarks>
    /// Above long.MaxValue the RedisValue cast throws OverflowException just past it, but InvalidCastException further
    /// up (it goes through a double there); an hour above it fails in long.Parse with OverflowException.
    /// </remarks>
    [Theory]
    [InlineData("1789999200:m1|i", "9223372036854775808", typeof(OverflowException))]
    [InlineData("1789999200:m1|N", "9223372036854775808", typeof(OverflowException))]
    [InlineData("1789999200:m1|i", "99999999999999999999", typeof(InvalidCastException))]
    [InlineData("99999999999999999999:m1|i", "5", typeof(OverflowException))]
    public void Parse_ValueOrHourAboveLongRange_Throws(string field, string value, Type expected)
        => Assert.All(Parsers(["1789999200:m1|i", "1", field, value]), parse => Assert.Throws(expected, () => parse()));

    [Fact]
    public void Parse_ValuesInLongRange_ParseExactly()
    {
        // 2^53 + 1 has no double: it shows the value is read as an integer, not through a double.
        string[] hash =
        [
            "1789999200:m|i", "4000000000000000000", "1789999200:m|o", "3999999999999999999", "1789999200:m|r", "9223372036854775807",
            "1789999200:m|b", "4000000000000000001", "1789999200:m|N", "9007199254740993",
        ];

        AssertEveryParse(hash, ["1789999200:m i=4000000000000000000 o=3999999999999999999 r=9223372036854775807 b=4000000000000000001 n=9007199254740993 first"]);
    }

    [Fact]
    public async Task HashInRedis_ReadByHgetallAndByLuaHgetall_ParsesTheSame()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(TestInfrastructure.Redis);
        var database = redis.GetDatabase();
        RedisKey key = TestInfrastructure.NewRedisPrefix() + ":{h}:live";
        await database.HashSetAsync(key,
        [
            new("1789999200:org/model-a|i", "4000000000000000000"),
            new("1789999200:org/model-a|o", "12"),
            new("1789999200:org/model-a|n", "2"),
            new("1789999200:org/model-a|N", "3"),
            new("1790002800:org/model-a|r", "1"),
            new("1789999200:m:2|b", "1500000"),
            new("1789999200:m:2|n", "9007199254740993"),
        ]);
        await database.HashIncrementAsync(key, "1789999200:org/model-a|o", 30);
        await database.HashIncrementAsync(key, "1789999200:m:2|N", 1);
        await database.HashIncrementAsync(key, "1790002800:org/model-a|n", 9_223_372_036_854_775_807);
        try
        {
            var fromHgetall = Format(LiveHash.Parse(await database.HashGetAllAsync(key)));
            var fromLua = Format(LiveHash.Parse((RedisResult[])(await database.ScriptEvaluateAsync(HgetallScript, [key]))!));

            Assert.Equal(
                [
                    "1789999200:m:2 i=0 o=0 r=0 b=1500000 n=9007199254740994 first",
                    "1789999200:org/model-a i=4000000000000000000 o=42 r=0 b=0 n=5 first",
                    "1790002800:org/model-a i=0 o=0 r=1 b=0 n=9223372036854775807",
                ],
                fromHgetall);
            Assert.Equal(fromHgetall, fromLua);
        }
        finally
        {
            await database.KeyDeleteAsync(key);
        }
    }

    [Fact]
    public async Task MissingHashInRedis_GivesNoBuckets()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(TestInfrastructure.Redis);
        var database = redis.GetDatabase();
        RedisKey key = TestInfrastructure.NewRedisPrefix() + ":{h}:live";

        Assert.Empty(LiveHash.Parse(await database.HashGetAllAsync(key)));
        Assert.Empty(LiveHash.Parse((RedisResult[])(await database.ScriptEvaluateAsync(HgetallScript, [key]))!));
    }

    /// <summary>Parses the hash from HashEntries and from a Lua reply, each with names and values as UTF-8 bytes (as Redis returns them) and as strings.</summary>
    private static IEnumerable<Func<List<LiveBucket>>> Parsers(string[] flat)
    {
        foreach (var asBytes in (bool[])[true, false])
        {
            var values = flat.Select(s => asBytes ? (RedisValue)Encoding.UTF8.GetBytes(s) : (RedisValue)s).ToArray();
            yield return () => LiveHash.Parse(Enumerable.Range(0, values.Length / 2).Select(i => new HashEntry(values[2 * i], values[(2 * i) + 1])).ToArray());
            yield return () => LiveHash.Parse(values.Select(v => RedisResult.Create(v)).ToArray());
        }
    }

    private static void AssertEveryParse(string[] flat, string[] expected)
        => Assert.All(Parsers(flat), parse => Assert.Equal(expected, Format(parse())));

    private static void AssertEveryParseThrows<TException>(string[] flat)
        where TException : Exception
        => Assert.All(Parsers(flat), parse => Assert.Throws<TException>(parse));

    private static string[] Format(List<LiveBucket> buckets)
        => buckets
            .Select(b => string.Create(CultureInfo.InvariantCulture, $"{b.Bucket.ToMember()} i={b.Counters.InputTokens} o={b.Counters.OutputTokens} r={b.Counters.Requests} b={b.Counters.BilledMicros} n={b.Counters.Records}{(b.FirstUsage ? " first" : "")}"))
            .Order(StringComparer.Ordinal)
            .ToArray();
}
