using Metering.LoadGen.Metrics;
using Xunit;

namespace Metering.LoadGen.Tests;

/// <summary>The reported latency percentiles (HdrHistogram, three significant digits) against known distributions.</summary>
public sealed class LatencySummaryTests
{
    [Fact]
    public void SmallValues_AreExact()
    {
        var histogram = LatencyHistograms.Create();
        for (var micros = 1; micros <= 100; micros++)
        {
            histogram.RecordMicros(micros);
        }

        var summary = LatencySummary.From(histogram);

        Assert.Equal(new LatencySummary(100, 0.050, 0.090, 0.099, 0.100, 0.100), summary);
    }

    [Fact]
    public void LargerValues_AreTheTopOfTheirBucket()
    {
        // 1 µs to 10 ms, once each. Above 4,096 µs a bucket is 4 µs wide, above 8,192 µs 8 µs wide: a percentile is the
        // top of the bucket holding the value of its rank (within 0.1%).
        var histogram = LatencyHistograms.Create();
        for (var micros = 1; micros <= 10_000; micros++)
        {
            histogram.RecordMicros(micros);
        }

        var summary = LatencySummary.From(histogram);

        Assert.Equal(new LatencySummary(10_000, 5.003, 9.007, 9.903, 9.991, 10.007), summary);
    }

    [Fact]
    public void OneSlowOutlier_ShowsOnlyAboveItsRank()
    {
        var histogram = LatencyHistograms.Create();
        for (var i = 0; i < 999; i++)
        {
            histogram.RecordMicros(1_000);
        }

        histogram.RecordMicros(250_000);

        var summary = LatencySummary.From(histogram);

        Assert.Equal(1.0, summary.P99Ms);
        Assert.Equal(1.0, summary.P999Ms);
        Assert.InRange(summary.MaxMs, 250.0, 250.0 * 1.001);
    }

    [Fact]
    public void NothingRecorded_IsAllZero()
        => Assert.Equal(new LatencySummary(0, 0, 0, 0, 0, 0), LatencySummary.From(LatencyHistograms.Create()));

    [Fact]
    public void ValuesOutOfRange_AreClampedNotThrown()
    {
        var histogram = LatencyHistograms.Create();

        histogram.RecordMicros(-40);
        histogram.RecordMicros(long.MaxValue);

        var summary = LatencySummary.From(histogram);
        Assert.Equal(2, summary.Count);
        Assert.Equal(0, summary.P50Ms);
        Assert.InRange(summary.MaxMs, LatencyHistograms.HighestMicros / 1000.0, LatencyHistograms.HighestMicros / 1000.0 * 1.001);
    }

    [Fact]
    public void Merge_HoldsEveryStreamsValues()
    {
        var fast = LatencyHistograms.Create();
        var slow = LatencyHistograms.Create();
        for (var i = 0; i < 50; i++)
        {
            fast.RecordMicros(100);
            slow.RecordMicros(900);
        }

        var summary = LatencySummary.From(LatencyHistograms.Merge([fast, slow]));

        Assert.Equal(100, summary.Count);
        Assert.Equal(0.1, summary.P50Ms);
        Assert.Equal(0.9, summary.P90Ms);
        Assert.Equal(50, fast.TotalCount);
    }
}
