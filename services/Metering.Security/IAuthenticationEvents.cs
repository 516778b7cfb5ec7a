namespace Metering.Security;

/// <summary>What the authentication step reports about the calls it stops (counted as metrics by the service).</summary>
public interface IAuthenticationEvents
{
    /// <summary>A call without a valid key: UNAUTHENTICATED.</summary>
    void Rejected(ApiKeyRejection reason);

    /// <summary>A call with a valid key whose role may not call the method: PERMISSION_DENIED.</summary>
    void Denied(CallerRole role);
}
