using Google.Protobuf;
using Metering.Grpc.Client;

namespace Metering.Grpc;

/// <summary>A client-streaming call: write to <see cref="RequestStream"/>, complete it, then await the response.</summary>
public sealed class ClientStreamingCall<TRequest, TResponse> : IDisposable
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private readonly IClientCallState _call;

    internal ClientStreamingCall(IClientCallState call, IClientStreamWriter<TRequest> requests, Task<TResponse> response)
    {
        _call = call;
        RequestStream = requests;
        ResponseAsync = response;
    }

    public IClientStreamWriter<TRequest> RequestStream { get; }

    public Task<TResponse> ResponseAsync { get; }

    public Task<Metadata> ResponseHeadersAsync => _call.ResponseHeadersTask;

    public Status GetStatus() => _call.GetStatus();

    public Metadata GetTrailers() => _call.GetTrailers();

    public void Dispose() => _call.Dispose();
}
