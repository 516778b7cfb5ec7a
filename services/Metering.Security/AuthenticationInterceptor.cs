using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Metering.Security;

/// <summary>
/// The first step of every call (grpc-dotnet server interceptor): reads <c>authorization: Bearer &lt;key&gt;</c>,
/// authenticates it, checks the method's policy and leaves the <see cref="Caller"/> in the call's user state. A
/// method without a policy is refused (PERMISSION_DENIED), so a new RPC is never open by accident. Authentication
/// failures become UNAUTHENTICATED here, and only here.
/// </summary>
public sealed class AuthenticationInterceptor : Interceptor
{
    private readonly ApiKeyAuthenticator _authenticator;
    private readonly IAuthenticationEvents _events;
    private readonly Dictionary<string, MethodPolicy> _policies;

    public AuthenticationInterceptor(ApiKeyAuthenticator authenticator, IAuthenticationEvents events, IEnumerable<MethodPolicyRegistration> registrations)
    {
        _authenticator = authenticator;
        _events = events;
        _policies = new Dictionary<string, MethodPolicy>(StringComparer.Ordinal);
        foreach (var registration in registrations)
        {
            _policies[registration.MethodOrServicePrefix] = registration.Policy;
        }
    }

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        await AuthorizeAsync(context).ConfigureAwait(false);
        return await continuation(request, context).ConfigureAwait(false);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthorizeAsync(context).ConfigureAwait(false);
        return await continuation(requestStream, context).ConfigureAwait(false);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthorizeAsync(context).ConfigureAwait(false);
        await continuation(request, responseStream, context).ConfigureAwait(false);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthorizeAsync(context).ConfigureAwait(false);
        await continuation(requestStream, responseStream, context).ConfigureAwait(false);
    }

    private async ValueTask AuthorizeAsync(ServerCallContext context)
    {
        var policy = FindPolicy(context.Method);
        if (policy is { Anonymous: true })
        {
            return;
        }

        var header = context.RequestHeaders.GetValue("authorization");
        if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length <= 7)
        {
            _events.Rejected(ApiKeyRejection.Missing);
            throw new RpcException(new Status(StatusCode.Unauthenticated, "Missing API key: send 'authorization: Bearer <key>'."));
        }

        Caller caller;
        try
        {
            caller = await _authenticator.AuthenticateAsync(header[7..].Trim(), context.CancellationToken).ConfigureAwait(false);
        }
        catch (ApiKeyRejectedException ex)
        {
            _events.Rejected(ex.Reason);
            throw new RpcException(new Status(StatusCode.Unauthenticated, ex.Message));
        }

        if (policy is null || !policy.Roles.Contains(caller.Role))
        {
            _events.Denied(caller.Role);
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"A {caller.Role.ToString().ToUpperInvariant()} key may not call {context.Method}."));
        }

        context.UserState[typeof(Caller)] = caller;
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
