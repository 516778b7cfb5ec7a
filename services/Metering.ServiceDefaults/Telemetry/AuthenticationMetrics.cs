using System.Diagnostics.Metrics;
using Metering.Security;

namespace Metering.ServiceDefaults.Telemetry;

/// <summary>
/// <c>metering.auth.failures</c> (calls refused UNAUTHENTICATED, by <c>metering.auth.reason</c>: missing, unknown,
/// revoked) and <c>metering.auth.denials</c> (PERMISSION_DENIED, by the caller's <c>metering.auth.role</c>).
/// </summary>
internal sealed class AuthenticationMetrics : IAuthenticationEvents
{
    private readonly Counter<long> _failures;
    private readonly Counter<long> _denials;

    public AuthenticationMetrics(ServiceMeter meter)
    {
        _failures = meter.Meter.CreateCounter<long>("metering.auth.failures", "{call}", "Calls refused for a missing, unknown or revoked API key.");
        _denials = meter.Meter.CreateCounter<long>("metering.auth.denials", "{call}", "Calls refused because the key's role may not call the method.");
    }

    public void Rejected(ApiKeyRejection reason)
        => _failures.Add(1, new KeyValuePair<string, object?>("metering.auth.reason", reason switch
        {
            ApiKeyRejection.Missing => "missing",
            ApiKeyRejection.Revoked => "revoked",
            _ => "unknown",
        }));

    public void Denied(CallerRole role)
        => _denials.Add(1, new KeyValuePair<string, object?>("metering.auth.role", role.ToString().ToLowerInvariant()));
}
