using Metering.Grpc;

namespace Metering.Client.Internal;

/// <summary>A channel plus the bearer credentials every call carries.</summary>
internal sealed class AuthorizedCalls
{
    private readonly Metadata _headers;

    public AuthorizedCalls(GrpcChannel channel, string apiKey)
    {
        Channel = channel;
        _headers = new Metadata { { "authorization", "Bearer " + apiKey } };
    }

    public GrpcChannel Channel { get; }

    public CallOptions Options(CancellationToken cancellationToken, bool compress = false)
        => new() { Headers = _headers, CancellationToken = cancellationToken, CompressRequests = compress };
}
