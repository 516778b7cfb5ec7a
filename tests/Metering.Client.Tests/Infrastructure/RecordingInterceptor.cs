using System.Collections.Concurrent;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Metering.Client.Tests.Infrastructure;

/// <summary>A caller's client interceptor: records the full method name of every call it sees and adds a header.</summary>
public sealed class RecordingInterceptor : Interceptor
{
    /// <summary>The header the interceptor adds to every call, to prove the server got the call through it.</summary>
    public const string Header = "x-gateway-interceptor";

    public ConcurrentQueue<string> Methods { get; } = new();

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
        => continuation(request, Seen(context));

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation)
        => continuation(request, Seen(context));

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context, AsyncClientStreamingCallContinuation<TRequest, TResponse> continuation)
        => continuation(Seen(context));

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context, AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation)
        => continuation(Seen(context));

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context, BlockingUnaryCallContinuation<TRequest, TResponse> continuation)
        => continuation(request, Seen(context));

    private ClientInterceptorContext<TRequest, TResponse> Seen<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context)
        where TRequest : class
        where TResponse : class
    {
        Methods.Enqueue(context.Method.FullName);
        var headers = new Metadata();
        foreach (var entry in context.Options.Headers ?? [])
        {
            headers.Add(entry);
        }

        headers.Add(Header, "seen");
        return new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, context.Options.WithHeaders(headers));
    }
}
