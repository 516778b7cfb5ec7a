using System.Data.Common;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Metering.ServiceDefaults;

/// <summary>
/// The outermost step of every call: a database that does not answer (an ADO.NET <see cref="DbException"/> or a
/// timeout, from a handler or from the key lookup of the authentication step) ends the call with UNAVAILABLE — the
/// status a client retries — instead of UNKNOWN. A handler's own statuses pass through unchanged.
/// </summary>
public sealed class StoreFailureInterceptor : Interceptor
{
    /// <summary>The message of the UNAVAILABLE status.</summary>
    public const string Message = "The database did not answer; retry (a change is applied whole or not at all).";

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsStoreFailure(ex, context))
        {
            throw Unavailable();
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(requestStream, context).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsStoreFailure(ex, context))
        {
            throw Unavailable();
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsStoreFailure(ex, context))
        {
            throw Unavailable();
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsStoreFailure(ex, context))
        {
            throw Unavailable();
        }
    }

    private static bool IsStoreFailure(Exception exception, ServerCallContext context)
        => exception is DbException or TimeoutException && !context.CancellationToken.IsCancellationRequested;

    private static RpcException Unavailable() => RpcErrors.Plain(StatusCode.Unavailable, Message);
}
