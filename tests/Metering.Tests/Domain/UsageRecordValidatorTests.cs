using Metering.Domain.Ingest;
using Metering.Domain.Usage;
using Xunit;

namespace Metering.Tests.Domain;

public sealed class UsageRecordValidatorTests
{
    private static readonly DateTime Now = new(2026, 11, 27, 12, 30, 0, DateTimeKind.Utc);
    private static readonly long NowSeconds = (long)(Now - DateTime.UnixEpoch).TotalSeconds;
    private readonly UsageRecordValidator _validator = new(new IngestLimits());

    [Fact]
    public void BilledMicrosAlone_IsNotUsage()
    {
        List<Violation>? violations = null;
        Assert.False(_validator.Validate(0, "m", 0, 0, 0, 5_000_000, NowSeconds, Now, ref violations));
        Assert.Equal(ViolationReasons.NoPositiveCounter, Assert.Single(violations!).Reason);
    }

    [Fact]
    public void ValidRecord_HasNoViolations()
    {
        List<Violation>? violations = null;
        Assert.True(_validator.Validate(3, "meta-llama/Llama-3.1-70B:fp8", 10, 0, 0, null, NowSeconds - 60, Now, ref violations));
        Assert.Null(violations);
    }

    [Fact]
    public void EveryProblemOfARecord_IsListed()
    {
        List<Violation>? violations = null;
        Assert.False(_validator.Validate(7, "bad model", -1, 2_000_000_000_000, 0, -5, NowSeconds + 3600, Now, ref violations));
        Assert.Equal(
            ["records[7].model", "records[7].input_tokens", "records[7].output_tokens", "records[7].billed_micros", "records[7].event_time"],
            violations!.Select(v => v.Field));
    }

    [Fact]
    public void Aggregator_SumsPerModelAndUtcHour()
    {
        var aggregator = new BatchAggregator();
        aggregator.Add("a", NowSeconds, 1, 2, 1, 0);
        aggregator.Add("a", NowSeconds + 60, 10, 20, 1, 5);
        aggregator.Add("a", NowSeconds + 3600, 100, 0, 1, 0);
        aggregator.Add("b", NowSeconds, 1000, 0, 1, 0);
        var deltas = aggregator.ToDeltas().ToDictionary(d => d.Bucket);
        Assert.Equal(3, deltas.Count);
        var hour = HourBucket.HourOf(NowSeconds);
        Assert.Equal(new UsageCounters(11, 22, 2, 5, 2), deltas[new HourBucket(hour, "a")].Counters);
        Assert.Equal(100, deltas[new HourBucket(hour + 3600, "a")].Counters.InputTokens);
        Assert.Equal(4, aggregator.RecordCount);
    }

    [Fact]
    public void Aggregator_ManyBucketsAndEqualNamesOfOtherInstances_SumAsADictionaryWould()
    {
        var aggregator = new BatchAggregator();
        var expected = new Dictionary<HourBucket, UsageCounters>();
        var random = new Random(7);
        for (var i = 0; i < 5000; i++)
        {
            // new string(...) makes a new instance each time: the aggregator must compare names by value too.
            var model = new string('m', 1) + random.Next(BatchAggregator.LinearLimit * 3).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var at = NowSeconds + (random.Next(3) * 3600);
            aggregator.Add(model, at, i, 1, 1, 2);
            var key = new HourBucket(HourBucket.HourOf(at), model);
            var counters = expected.GetValueOrDefault(key);
            counters.Add(new UsageCounters(i, 1, 1, 2, 1));
            expected[key] = counters;
        }

        var actual = aggregator.ToDeltas();
        Assert.Equal(expected.Count, actual.Length);
        Assert.All(actual, d => Assert.Equal(expected[d.Bucket], d.Counters));
        Assert.Equal(5000, aggregator.RecordCount);
    }

    [Fact]
    public void HourBucketMember_RoundTripsModelsWithColons()
    {
        var bucket = new HourBucket(1_764_244_800, "org/model:v2");
        Assert.Equal(bucket, HourBucket.FromMember(bucket.ToMember()));
        Assert.Equal(1_764_244_800 - 1_764_244_800 % 3600, HourBucket.HourOf(1_764_244_800 + 59));
    }
}
