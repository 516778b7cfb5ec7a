namespace Metering.Grpc.Server;

/// <summary>What every call handler shares: options, the interceptor pipeline and logging.</summary>
internal sealed class GrpcServerRuntime
{
    public GrpcServerRuntime(GrpcServerOptions options, ICallInterceptor[] interceptors, GrpcServerLog log)
    {
        Options = options;
        Interceptors = interceptors;
        Log = log;
    }

    public GrpcServerOptions Options { get; }

    public ICallInterceptor[] Interceptors { get; }

    public GrpcServerLog Log { get; }
}
