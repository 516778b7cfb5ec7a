using System.Runtime.CompilerServices;
using Metering.Grpc.Client;

namespace Metering.Grpc;

/// <summary>A unary call in flight: await it for the response; headers, status and trailers once it is done.</summary>
public sealed class UnaryCall<TResponse> : IDisposable
{
    private readonly IClientCallState _call;

    internal UnaryCall(Task<TResponse> response, IClientCallState call)
    {
        ResponseAsync = response;
        _call = call;
    }

    public Task<TResponse> ResponseAsync { get; }

    public Task<Metadata> ResponseHeadersAsync => _call.ResponseHeadersTask;

    public Status GetStatus() => _call.GetStatus();

    public Metadata GetTrailers() => _call.GetTrailers();

    public TaskAwaiter<TResponse> GetAwaiter() => ResponseAsync.GetAwaiter();

    public void Dispose() => _call.Dispose();
}
