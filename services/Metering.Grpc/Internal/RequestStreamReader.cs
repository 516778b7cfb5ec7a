using System.IO.Pipelines;
using Google.Protobuf;

namespace Metering.Grpc.Internal;

/// <summary>Reads length-prefixed request messages from the HTTP/2 request body.</summary>
internal sealed class RequestStreamReader<T> : IAsyncStreamReader<T>
    where T : class, IMessage<T>
{
    private readonly PipeReader _reader;
    private readonly MessageParser<T> _parser;
    private readonly ServerCallContext _context;
    private readonly int _maxReceiveSize;
    private T? _current;
    private bool _completed;

    public RequestStreamReader(ServerCallContext context, MessageParser<T> parser, int maxReceiveSize)
    {
        _reader = context.HttpContext.Request.BodyReader;
        _context = context;
        _parser = parser;
        _maxReceiveSize = maxReceiveSize;
    }

    public T Current => _current ?? throw new InvalidOperationException("MoveNext has not returned true.");

    public async Task<bool> MoveNext(CancellationToken cancellationToken = default)
    {
        if (_completed)
        {
            return false;
        }

        T? message;
        if (!cancellationToken.CanBeCanceled || cancellationToken == _context.CancellationToken)
        {
            message = await ReadMessageAsync(_reader, _parser, _context, _maxReceiveSize, _context.CancellationToken).ConfigureAwait(false);
        }
        else
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _context.CancellationToken);
            message = await ReadMessageAsync(_reader, _parser, _context, _maxReceiveSize, linked.Token).ConfigureAwait(false);
        }

        if (message is null)
        {
            _completed = true;
            return false;
        }

        _current = message;
        return true;
    }

    /// <summary>Reads the next message, or null at a clean end of the body.</summary>
    public static async ValueTask<T?> ReadMessageAsync(PipeReader reader, MessageParser<T> parser, ServerCallContext context, int maxReceiveSize, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            bool compressed;
            System.Buffers.ReadOnlySequence<byte> payload;
            try
            {
                if (MessageFraming.TryRead(ref buffer, maxReceiveSize, out compressed, out payload))
                {
                    var message = MessageFraming.Parse(parser, payload, compressed, context.RequestGzip, maxReceiveSize);
                    reader.AdvanceTo(buffer.Start);
                    context.LastRequestMessageCompressed = compressed;
                    return message;
                }
            }
            catch
            {
                reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
                throw;
            }

            if (result.IsCompleted || result.IsCanceled)
            {
                var leftover = buffer.Length;
                reader.AdvanceTo(buffer.End);
                if (leftover == 0)
                {
                    return null;
                }

                throw new RpcException(StatusCode.Internal, $"Incomplete message: the request ended inside a message ({leftover} bytes left over).");
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>
    /// Reads exactly one message followed by the end of the body (unary and server-streaming requests). When the
    /// message and the end of the body arrive together — the usual case — this takes a single read.
    /// </summary>
    public static async ValueTask<T> ReadSingleMessageAsync(ServerCallContext context, MessageParser<T> parser, int maxReceiveSize)
    {
        var reader = context.HttpContext.Request.BodyReader;
        T? message = null;
        while (true)
        {
            var result = await reader.ReadAsync(context.CancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            try
            {
                if (message is null && MessageFraming.TryRead(ref buffer, maxReceiveSize, out var compressed, out var payload))
                {
                    message = MessageFraming.Parse(parser, payload, compressed, context.RequestGzip, maxReceiveSize);
                    context.LastRequestMessageCompressed = compressed;
                }

                if (message is not null && buffer.Length >= GrpcProtocol.HeaderSize)
                {
                    throw new RpcException(StatusCode.Internal, "The request has more than one message; a unary request carries exactly one.");
                }
            }
            catch
            {
                reader.AdvanceTo(result.Buffer.End);
                throw;
            }

            if (result.IsCompleted || result.IsCanceled)
            {
                var leftover = buffer.Length;
                reader.AdvanceTo(buffer.End);
                if (message is null)
                {
                    throw leftover == 0
                        ? new RpcException(StatusCode.Internal, "The request has no message; a unary request carries exactly one.")
                        : new RpcException(StatusCode.Internal, $"Incomplete message: the request ended inside a message ({leftover} bytes left over).");
                }

                if (leftover != 0)
                {
                    throw new RpcException(StatusCode.Internal, $"Incomplete message: the request ended inside a second message ({leftover} bytes left over).");
                }

                return message;
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }
}
