namespace Metering.Grpc;

/// <summary>Writes request messages of a client- or bidirectional-streaming call; one write at a time.</summary>
public interface IClientStreamWriter<in T>
{
    Task WriteAsync(T message, WriteFlags flags = WriteFlags.None, CancellationToken cancellationToken = default);

    /// <summary>Half-closes the request stream: the server sees the end of its input.</summary>
    Task CompleteAsync();
}
