using Google.Protobuf;
using Metering.Grpc.Internal;

namespace Metering.Grpc.Server;

/// <summary>The handler of one method with typed request and response messages.</summary>
internal sealed class ServerMethodHandler<TRequest, TResponse> : ServerMethodHandler
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private readonly MessageParser<TRequest> _parser;
    private readonly Func<TRequest, ServerCallContext, Task<TResponse>>? _unary;
    private readonly Func<IAsyncStreamReader<TRequest>, ServerCallContext, Task<TResponse>>? _clientStreaming;
    private readonly Func<TRequest, IServerStreamWriter<TResponse>, ServerCallContext, Task>? _serverStreaming;
    private readonly Func<IAsyncStreamReader<TRequest>, IServerStreamWriter<TResponse>, ServerCallContext, Task>? _duplex;

    public ServerMethodHandler(string fullName, GrpcServerRuntime runtime, MessageParser<TRequest> parser, Delegate handler)
        : base(fullName, runtime)
    {
        _parser = parser;
        _unary = handler as Func<TRequest, ServerCallContext, Task<TResponse>>;
        _clientStreaming = handler as Func<IAsyncStreamReader<TRequest>, ServerCallContext, Task<TResponse>>;
        _serverStreaming = handler as Func<TRequest, IServerStreamWriter<TResponse>, ServerCallContext, Task>;
        _duplex = handler as Func<IAsyncStreamReader<TRequest>, IServerStreamWriter<TResponse>, ServerCallContext, Task>;
        if (_unary is null && _clientStreaming is null && _serverStreaming is null && _duplex is null)
        {
            throw new ArgumentException($"The handler of {fullName} has an unsupported signature.", nameof(handler));
        }
    }

    protected override async Task InvokeAsync(ServerCallContext context)
    {
        if (_unary is not null)
        {
            var request = await RequestStreamReader<TRequest>.ReadSingleMessageAsync(context, _parser, MaxReceiveSize).ConfigureAwait(false);
            var response = await _unary(request, context).ConfigureAwait(false);
            if (context.Status.Code == StatusCode.OK)
            {
                ServerResponse.WriteMessage(context, response, WriteFlags.None, MaxSendSize);
            }

            return;
        }

        if (_clientStreaming is not null)
        {
            var reader = new RequestStreamReader<TRequest>(context, _parser, MaxReceiveSize);
            var response = await _clientStreaming(reader, context).ConfigureAwait(false);
            if (context.Status.Code == StatusCode.OK)
            {
                ServerResponse.WriteMessage(context, response, WriteFlags.None, MaxSendSize);
            }

            return;
        }

        var writer = new ResponseStreamWriter<TResponse>(context, MaxSendSize);
        try
        {
            if (_serverStreaming is not null)
            {
                var request = await RequestStreamReader<TRequest>.ReadSingleMessageAsync(context, _parser, MaxReceiveSize).ConfigureAwait(false);
                await _serverStreaming(request, writer, context).ConfigureAwait(false);
            }
            else
            {
                var reader = new RequestStreamReader<TRequest>(context, _parser, MaxReceiveSize);
                await _duplex!(reader, writer, context).ConfigureAwait(false);
            }
        }
        finally
        {
            writer.Closed = true;
        }
    }
}
