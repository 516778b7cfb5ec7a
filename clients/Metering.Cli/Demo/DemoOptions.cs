namespace Metering.Cli.Demo;

/// <summary>Settings of a demo run.</summary>
/// <param name="Duration">How long the gateways stream. Defaults to 20 s.</param>
/// <param name="GatewaysPerHost">Gateways (producers) per host. Defaults to 2.</param>
/// <param name="FlushWait">How long to wait for the metering service's flush to PostgreSQL before settling (its Flush:Interval plus a margin). Defaults to 6 s.</param>
/// <param name="LiveInterval">Time between live tables. Defaults to 2 s.</param>
/// <param name="Metrics">The metering service's <c>/metrics</c>: when given, the demo ends with the ingest counters and flush lag it reports, checked against the reporters' acks.</param>
internal sealed record DemoOptions(TimeSpan Duration, int GatewaysPerHost, TimeSpan FlushWait, TimeSpan LiveInterval, Uri? Metrics = null);
