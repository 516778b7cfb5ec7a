namespace Metering.Grpc;

/// <summary>
/// A step of the server's per-call pipeline (authentication, logging, metrics). <see cref="OnCallStartingAsync"/>
/// runs before the handler, in registration order, and may end the call by throwing <see cref="RpcException"/>;
/// <see cref="OnCallCompleted"/> runs after the status is decided, for every call.
/// </summary>
public interface ICallInterceptor
{
    ValueTask OnCallStartingAsync(ServerCallContext context);

    void OnCallCompleted(ServerCallContext context, Status status, TimeSpan elapsed);
}
