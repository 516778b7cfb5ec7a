using Google.Protobuf;
using Metering.Grpc.Client;

namespace Metering.Grpc;

/// <summary>A server-streaming call: read <see cref="ResponseStream"/> to its end; dispose to cancel.</summary>
public sealed class ServerStreamingCall<TResponse> : IDisposable
    where TResponse : class, IMessage<TResponse>
{
    private readonly IClientCallState _call;

    internal ServerStreamingCall(IClientCallState call, IAsyncStreamReader<TResponse> responses)
    {
        _call = call;
        ResponseStream = responses;
    }

    public IAsyncStreamReader<TResponse> ResponseStream { get; }

    public Task<Metadata> ResponseHeadersAsync => _call.ResponseHeadersTask;

    public Status GetStatus() => _call.GetStatus();

    public Metadata GetTrailers() => _call.GetTrailers();

    public void Dispose() => _call.Dispose();
}
