using Google.Protobuf;

namespace Metering.Grpc.Client;

/// <summary>The request stream of a client- or bidirectional-streaming call.</summary>
internal sealed class ClientRequestWriter<TRequest, TResponse> : IClientStreamWriter<TRequest>
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private readonly ClientCall<TRequest, TResponse> _call;

    public ClientRequestWriter(ClientCall<TRequest, TResponse> call) => _call = call;

    public Task WriteAsync(TRequest message, WriteFlags flags = WriteFlags.None, CancellationToken cancellationToken = default)
        => _call.WriteAsync(message, flags, cancellationToken);

    public Task CompleteAsync() => _call.CompleteRequestAsync();
}
