using System.Net;

namespace Metering.Grpc.Client;

/// <summary>Request content of exactly one framed message (unary and server-streaming calls).</summary>
internal sealed class FramedMessageContent : HttpContent
{
    private readonly byte[] _framed;

    public FramedMessageContent(byte[] framed) => _framed = framed;

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        => stream.WriteAsync(_framed).AsTask();

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        => stream.WriteAsync(_framed, cancellationToken).AsTask();

    protected override bool TryComputeLength(out long length)
    {
        length = _framed.Length;
        return true;
    }
}
