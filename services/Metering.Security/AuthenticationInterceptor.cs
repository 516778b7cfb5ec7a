using Metering.Grpc;

namespace Metering.Security;

/// <summary>
/// The authentication step of the call pipeline: reads <c>authorization: Bearer &lt;key&gt;</c>, authenticates it,
/// checks the method's policy and leaves the <see cref="Caller"/> in the call's items. A method without a policy
/// is refused (PERMISSION_DENIED), so a new RPC is never open by accident.
/// </summary>
public sealed class AuthenticationInterceptor : ICallInterceptor
{
    private readonly ApiKeyAuthenticator _authenticator;
    private readonly Dictionary<string, MethodPolicy> _policies;

    public AuthenticationInterceptor(ApiKeyAuthenticator authenticator, IEnumerable<MethodPolicyRegistration> registrations)
    {
        _authenticator = authenticator;
        _policies = new Dictionary<string, MethodPolicy>(StringComparer.Ordinal);
        foreach (var registration in registrations)
        {
            _policies[registration.MethodOrServicePrefix] = registration.Policy;
        }
    }

    public async ValueTask OnCallStartingAsync(ServerCallContext context)
    {
        var policy = FindPolicy(context.Method);
        if (policy is { Anonymous: true })
        {
            return;
        }

        var header = context.GetRequestHeader("authorization");
        if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length <= 7)
        {
            throw new RpcException(StatusCode.Unauthenticated, "Missing API key: send 'authorization: Bearer <key>'.");
        }

        var caller = await _authenticator.AuthenticateAsync(header[7..].Trim(), context.CancellationToken);
        if (policy is null || !policy.Roles.Contains(caller.Role))
        {
            throw new RpcException(StatusCode.PermissionDenied, $"A {caller.Role.ToString().ToUpperInvariant()} key may not call {context.Method}.");
        }

        context.Items[typeof(Caller)] = caller;
    }

    public void OnCallCompleted(ServerCallContext context, Status status, TimeSpan elapsed)
    {
    }

    private MethodPolicy? FindPolicy(string method)
    {
        if (_policies.TryGetValue(method, out var exact))
        {
            return exact;
        }

        var slash = method.LastIndexOf('/');
        return slash > 0 && _policies.TryGetValue(method[..(slash + 1)], out var service) ? service : null;
    }
}
