namespace Metering.Security;

/// <summary>
/// A bearer secret that does not authenticate: missing, unknown or revoked. The authentication interceptor turns it
/// into UNAUTHENTICATED; nothing below the handler edge speaks gRPC.
/// </summary>
public sealed class ApiKeyRejectedException(ApiKeyRejection reason, string message) : Exception(message)
{
    public ApiKeyRejection Reason { get; } = reason;
}
