using HdrHistogram;

namespace Metering.LoadGen.Metrics;

/// <summary>
/// The reported figures of a latency histogram, in milliseconds. A percentile is HdrHistogram's value at that
/// percentile: the upper end of the bucket holding the value of rank round(p/100 × count); all zero when nothing was recorded.
/// </summary>
internal sealed record LatencySummary(long Count, double P50Ms, double P90Ms, double P99Ms, double P999Ms, double MaxMs)
{
    public static LatencySummary Empty { get; } = new(0, 0, 0, 0, 0, 0);

    public static LatencySummary From(HistogramBase histogram)
    {
        var count = histogram.TotalCount;
        if (count == 0)
        {
            return Empty;
        }

        return new LatencySummary(
            count,
            Ms(histogram.GetValueAtPercentile(50)),
            Ms(histogram.GetValueAtPercentile(90)),
            Ms(histogram.GetValueAtPercentile(99)),
            Ms(histogram.GetValueAtPercentile(99.9)),
            Ms(histogram.GetMaxValue()));
    }

    private static double Ms(long micros) => micros / 1000.0;
}
