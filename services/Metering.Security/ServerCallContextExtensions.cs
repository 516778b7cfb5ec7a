using Grpc.Core;

namespace Metering.Security;

/// <summary>Access to the authenticated caller from handlers (the handler edge, so these speak gRPC statuses).</summary>
public static class ServerCallContextExtensions
{
    public static Caller GetCaller(this ServerCallContext context)
        => context.UserState.TryGetValue(typeof(Caller), out var caller) && caller is Caller c
            ? c
            : throw new RpcException(new Status(StatusCode.Unauthenticated, "The call has no authenticated caller."));

    /// <summary>Throws PERMISSION_DENIED unless the caller may read <paramref name="hostId"/>.</summary>
    public static void EnsureCanRead(this Caller caller, string hostId)
    {
        if (!caller.CanRead(hostId))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"A HOST key of '{caller.HostId}' may not read host '{hostId}'."));
        }
    }
}
