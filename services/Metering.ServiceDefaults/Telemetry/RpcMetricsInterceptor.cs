using System.Diagnostics;
using System.Diagnostics.Metrics;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Metering.ServiceDefaults.Telemetry;

/// <summary>
/// The standard gRPC server metric of OpenTelemetry's RPC semantic conventions, for every call of the service:
/// <c>rpc.server.call.duration</c> (seconds, a histogram, so its count is the calls) with <c>rpc.system</c>,
/// <c>rpc.service</c>, <c>rpc.method</c> and <c>rpc.grpc.status_code</c>. The outermost interceptor, so the status is
/// the one the client sees.
/// </summary>
public sealed class RpcMetricsInterceptor : Interceptor
{
    private readonly Histogram<double> _duration;

    public RpcMetricsInterceptor(ServiceMeter meter)
        => _duration = meter.LatencyHistogram("rpc.server.call.duration", "Duration of gRPC calls, by service, method and status code.");

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
        => ObserveAsync(context, () => continuation(request, context));

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
        => ObserveAsync(context, () => continuation(requestStream, context));

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
        => ObserveAsync(context, async () =>
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
            return true;
        });

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
        => ObserveAsync(context, async () =>
        {
            await continuation(requestStream, responseStream, context).ConfigureAwait(false);
            return true;
        });

    /// <summary>Runs the call and records its duration with the status the client gets: the context's, or the thrown one.</summary>
    private async Task<T> ObserveAsync<T>(ServerCallContext context, Func<Task<T>> call)
    {
        var started = Stopwatch.GetTimestamp();
        var status = StatusCode.Unknown;
        try
        {
            var result = await call().ConfigureAwait(false);
            status = context.Status.StatusCode;
            return result;
        }
        catch (RpcException ex)
        {
            status = ex.StatusCode;
            throw;
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            status = StatusCode.Cancelled;
            throw;
        }
        finally
        {
            Record(context, started, status);
        }
    }

    private void Record(ServerCallContext context, long started, StatusCode status)
    {
        if (!_duration.Enabled)
        {
            return;
        }

        // context.Method is "/package.Service/Method": two parts, both from the finite set of mapped methods.
        var method = context.Method;
        var slash = method.LastIndexOf('/');
        var tags = new TagList
        {
            { "rpc.system", "grpc" },
            { "rpc.service", slash > 1 ? method[1..slash] : method },
            { "rpc.method", slash >= 0 ? method[(slash + 1)..] : method },
            { "rpc.grpc.status_code", (int)status },
        };
        _duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
    }
}
