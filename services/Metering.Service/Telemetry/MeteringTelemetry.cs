using System.Diagnostics;

namespace Metering.Service.Telemetry;

/// <summary>The names under which the metering service reports: its meter and its activity source.</summary>
internal static class MeteringTelemetry
{
    /// <summary>The meter, the activity source and the OpenTelemetry service name: "Metering.Service".</summary>
    public const string ServiceName = "Metering.Service";

    /// <summary>Spans of an ingest batch, a flush cycle; recorded only when a trace exporter listens.</summary>
    public static readonly ActivitySource Source = new(ServiceName);
}
