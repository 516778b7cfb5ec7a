namespace Metering.ServiceDefaults.Telemetry;

/// <summary>Telemetry settings, section "Telemetry" (docs/operations.md, "Observability").</summary>
public sealed class TelemetryOptions
{
    /// <summary>Serve the metrics in Prometheus text format at <c>/metrics</c>. Defaults to true.</summary>
    public bool PrometheusEnabled { get; set; } = true;

    /// <summary>
    /// An OTLP endpoint (for example <c>http://127.0.0.1:4317</c>): metrics and traces are then also exported there.
    /// Defaults to null: no OTLP export, and no trace is recorded at all.
    /// </summary>
    public Uri? OtlpEndpoint { get; set; }

    /// <summary>OTLP protocol: <c>grpc</c> or <c>http/protobuf</c>. Defaults to grpc.</summary>
    public string OtlpProtocol { get; set; } = "grpc";

    public string? Validate()
    {
        if (OtlpEndpoint is { } endpoint && (!endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps)))
        {
            return "Telemetry:OtlpEndpoint must be an absolute http:// or https:// URL.";
        }

        return OtlpProtocol is "grpc" or "http/protobuf" ? null : "Telemetry:OtlpProtocol must be grpc or http/protobuf.";
    }
}
