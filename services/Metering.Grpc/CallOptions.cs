namespace Metering.Grpc;

/// <summary>Per-call options of a client call.</summary>
public readonly record struct CallOptions
{
    /// <summary>Metadata sent as request headers.</summary>
    public Metadata? Headers { get; init; }

    /// <summary>When the call must be over, in UTC; sent as grpc-timeout and enforced locally.</summary>
    public DateTime? Deadline { get; init; }

    public CancellationToken CancellationToken { get; init; }

    /// <summary>Compress request messages with gzip (grpc-encoding: gzip).</summary>
    public bool CompressRequests { get; init; }
}
