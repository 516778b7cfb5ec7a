using HdrHistogram;

namespace Metering.LoadGen.Metrics;

/// <summary>
/// The run's latency histograms (HdrHistogram): microseconds from 1 µs to an hour, three significant digits (relative
/// error under 0.1%). Each stream records into its own concurrent histogram, so the progress line can read it while
/// the stream writes; the report merges them.
/// </summary>
internal static class LatencyHistograms
{
    /// <summary>Values above this (an hour) are recorded as this.</summary>
    public const long HighestMicros = 3_600_000_000;

    public static LongConcurrentHistogram Create() => new(1, HighestMicros, 3);

    /// <summary>Records <paramref name="micros"/> clamped to 0..<see cref="HighestMicros"/> (a sleep may end a little early: negative lag is none).</summary>
    public static void RecordMicros(this HistogramBase histogram, long micros) => histogram.RecordValue(Math.Clamp(micros, 0, HighestMicros));

    /// <summary>One histogram holding all of <paramref name="histograms"/>' values.</summary>
    public static HistogramBase Merge(IEnumerable<HistogramBase> histograms)
    {
        var merged = new LongHistogram(1, HighestMicros, 3);
        foreach (var histogram in histograms)
        {
            merged.Add(histogram);
        }

        return merged;
    }
}
