namespace Metering.Settlement.Tests.Telemetry;

/// <summary>
/// The tests that read <c>/metrics</c>, run after every other test of the assembly and alone. A service's
/// OpenTelemetry meter provider listens to every meter named "Metering.Settlement" in the process, so while other
/// in-process services run, their measurements would land in this service's scrape too.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsCollection
{
    public const string Name = "metrics";
}
