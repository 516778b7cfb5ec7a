using System.Diagnostics;

namespace Metering.Settlement.Telemetry;

/// <summary>The names under which the settlement service reports: its meter and its activity source.</summary>
internal static class SettlementTelemetry
{
    /// <summary>The meter, the activity source and the OpenTelemetry service name: "Metering.Settlement".</summary>
    public const string ServiceName = "Metering.Settlement";

    /// <summary>Spans of settlement runs; recorded only when a trace exporter listens.</summary>
    public static readonly ActivitySource Source = new(ServiceName);
}
