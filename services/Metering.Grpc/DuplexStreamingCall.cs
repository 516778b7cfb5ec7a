using Google.Protobuf;
using Metering.Grpc.Client;

namespace Metering.Grpc;

/// <summary>A bidirectional call: write requests and read responses concurrently; dispose to cancel.</summary>
public sealed class DuplexStreamingCall<TRequest, TResponse> : IDisposable
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private readonly IClientCallState _call;

    internal DuplexStreamingCall(IClientCallState call, IClientStreamWriter<TRequest> requests, IAsyncStreamReader<TResponse> responses)
    {
        _call = call;
        RequestStream = requests;
        ResponseStream = responses;
    }

    public IClientStreamWriter<TRequest> RequestStream { get; }

    public IAsyncStreamReader<TResponse> ResponseStream { get; }

    public Task<Metadata> ResponseHeadersAsync => _call.ResponseHeadersTask;

    public Status GetStatus() => _call.GetStatus();

    public Metadata GetTrailers() => _call.GetTrailers();

    public void Dispose() => _call.Dispose();
}
