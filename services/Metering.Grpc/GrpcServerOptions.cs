namespace Metering.Grpc;

/// <summary>Options of the gRPC server runtime.</summary>
public sealed class GrpcServerOptions
{
    /// <summary>Largest request message accepted, in bytes. Defaults to 4,194,304 (4 MiB); larger is RESOURCE_EXHAUSTED.</summary>
    public int MaxReceiveMessageSize { get; set; } = Internal.GrpcProtocol.DefaultMaxReceiveMessageSize;

    /// <summary>Largest response message sent, in bytes. Defaults to null (no limit).</summary>
    public int? MaxSendMessageSize { get; set; }

    /// <summary>Send exception messages of failed handlers to clients. Defaults to false (they get UNKNOWN only).</summary>
    public bool EnableDetailedErrors { get; set; }

}
