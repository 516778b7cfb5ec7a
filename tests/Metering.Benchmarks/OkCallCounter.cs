using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Metering.Benchmarks;

/// <summary>Counts unary calls that ended with grpc-status 0, so load tools that only see HTTP statuses are judged fairly.</summary>
internal sealed class OkCallCounter : Interceptor
{
    private long _ok;
    private long _failed;

    public long Ok => Interlocked.Read(ref _ok);

    public long Failed => Interlocked.Read(ref _failed);

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            var response = await continuation(request, context);
            Interlocked.Increment(ref _ok);
            return response;
        }
        catch
        {
            Interlocked.Increment(ref _failed);
            throw;
        }
    }
}
