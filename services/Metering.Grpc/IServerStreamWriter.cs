namespace Metering.Grpc;

/// <summary>Writes response messages of a server- or bidirectional-streaming call; one write at a time.</summary>
public interface IServerStreamWriter<in T>
{
    Task WriteAsync(T message, WriteFlags flags = WriteFlags.None, CancellationToken cancellationToken = default);
}
