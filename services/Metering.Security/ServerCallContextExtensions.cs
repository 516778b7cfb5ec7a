using Metering.Grpc;

namespace Metering.Security;

/// <summary>Access to the authenticated caller from handlers.</summary>
public static class ServerCallContextExtensions
{
    public static Caller GetCaller(this ServerCallContext context)
        => context.Items.TryGetValue(typeof(Caller), out var caller) && caller is Caller c
            ? c
            : throw new RpcException(StatusCode.Unauthenticated, "The call has no authenticated caller.");

    /// <summary>Throws PERMISSION_DENIED unless the caller may read <paramref name="hostId"/>.</summary>
    public static void EnsureCanRead(this Caller caller, string hostId)
    {
        if (!caller.CanRead(hostId))
        {
            throw new RpcException(StatusCode.PermissionDenied, $"A HOST key of '{caller.HostId}' may not read host '{hostId}'.");
        }
    }
}
