namespace Metering.Security;

/// <summary>What an API key may do (docs/wire.md, "Roles").</summary>
public enum CallerRole
{
    /// <summary>Bound to one host: ingest for it, read its own usage and statements.</summary>
    Host,

    /// <summary>Read everything; run and finalize settlement.</summary>
    Billing,

    /// <summary>Everything, including hosts, keys and agreements.</summary>
    Admin,
}
