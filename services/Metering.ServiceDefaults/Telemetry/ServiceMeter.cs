using System.Diagnostics.Metrics;

namespace Metering.ServiceDefaults.Telemetry;

/// <summary>
/// The one <see cref="Meter"/> of a service ("Metering.Service" or "Metering.Settlement"), created through
/// <see cref="IMeterFactory"/>: every instrument of the service, shared parts included, belongs to it.
/// </summary>
public sealed class ServiceMeter(IMeterFactory factory, string name)
{
    public Meter Meter { get; } = factory.Create(name);

    public string Name => name;

    /// <summary>Bucket bounds (seconds) of the latency histograms: 0.5 ms to 10 s.</summary>
    public static readonly IReadOnlyList<double> LatencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 10];

    /// <summary>A latency histogram in seconds with <see cref="LatencyBuckets"/>.</summary>
    public Histogram<double> LatencyHistogram(string name, string description)
        => Meter.CreateHistogram(name, "s", description, tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
}
