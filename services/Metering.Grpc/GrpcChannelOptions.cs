namespace Metering.Grpc;

/// <summary>Options of a client channel.</summary>
public sealed class GrpcChannelOptions
{
    /// <summary>Largest response message accepted, in bytes. Defaults to 4,194,304 (4 MiB); larger is RESOURCE_EXHAUSTED.</summary>
    public int MaxReceiveMessageSize { get; set; } = Internal.GrpcProtocol.DefaultMaxReceiveMessageSize;

    /// <summary>Largest request message sent, in bytes. Defaults to null (no limit).</summary>
    public int? MaxSendMessageSize { get; set; }

    /// <summary>
    /// The HTTP handler to send with. Defaults to a <see cref="System.Net.Http.SocketsHttpHandler"/> that opens more
    /// HTTP/2 connections when one is full; pass your own for TLS client certificates or custom validation.
    /// </summary>
    public HttpMessageHandler? HttpHandler { get; set; }

    /// <summary>Dispose <see cref="HttpHandler"/> with the channel. Defaults to true.</summary>
    public bool DisposeHttpHandler { get; set; } = true;
}
