using Google.Protobuf;

namespace Metering.Grpc.Client;

/// <summary>The response stream of a client call.</summary>
internal sealed class ClientResponseReader<TRequest, TResponse> : IAsyncStreamReader<TResponse>
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private readonly ClientCall<TRequest, TResponse> _call;
    private TResponse? _current;

    public ClientResponseReader(ClientCall<TRequest, TResponse> call) => _call = call;

    public TResponse Current => _current ?? throw new InvalidOperationException("MoveNext has not returned true.");

    public async Task<bool> MoveNext(CancellationToken cancellationToken = default)
    {
        _current = await _call.ReadNextAsync(cancellationToken).ConfigureAwait(false);
        return _current is not null;
    }
}
