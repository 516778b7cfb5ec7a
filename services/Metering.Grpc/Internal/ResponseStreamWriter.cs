using Google.Protobuf;

namespace Metering.Grpc.Internal;

/// <summary>Writes response messages of a streaming call, flushing each so the client sees it at once.</summary>
internal sealed class ResponseStreamWriter<T> : IServerStreamWriter<T>
    where T : class, IMessage<T>
{
    private readonly ServerCallContext _context;
    private readonly int? _maxSendSize;
    private int _writing;

    public ResponseStreamWriter(ServerCallContext context, int? maxSendSize)
    {
        _context = context;
        _maxSendSize = maxSendSize;
    }

    internal bool Closed { get; set; }

    public async Task WriteAsync(T message, WriteFlags flags = WriteFlags.None, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (Closed)
        {
            throw new InvalidOperationException("The call has completed; no more responses can be written.");
        }

        if (Interlocked.Exchange(ref _writing, 1) == 1)
        {
            throw new InvalidOperationException("A write is already in progress; await each WriteAsync before the next.");
        }

        try
        {
            ServerResponse.WriteMessage(_context, message, flags, _maxSendSize);
            var token = cancellationToken.CanBeCanceled ? cancellationToken : _context.CancellationToken;
            await _context.HttpContext.Response.BodyWriter.FlushAsync(token).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _writing, 0);
        }
    }
}
