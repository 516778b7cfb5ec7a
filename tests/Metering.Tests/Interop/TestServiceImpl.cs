using System.Globalization;
using Google.Protobuf;
using Grpc.Testing;
using Metering.Grpc;

namespace Metering.Tests.Interop;

/// <summary>
/// grpc.testing.TestService on the project's runtime, with the server features of grpc's
/// doc/interop-test-descriptions.md: payload sizing, Echo Status, Echo Metadata, CompressedRequest and
/// CompressedResponse checks, interval_us, and UNIMPLEMENTED for UnimplementedCall.
/// </summary>
internal sealed class TestServiceImpl
{
    public const string EchoInitialKey = "x-grpc-test-echo-initial";
    public const string EchoTrailingKey = "x-grpc-test-echo-trailing-bin";

    private int _activeStreams;

    /// <summary>FullDuplexCall handlers currently running (hostile-input tests watch a vanished client's call end).</summary>
    public int ActiveStreams => Volatile.Read(ref _activeStreams);

    public Task<Empty> EmptyCall(Empty request, ServerCallContext context)
    {
        EchoMetadata(context);
        return Task.FromResult(new Empty());
    }

    public Task<SimpleResponse> UnaryCall(SimpleRequest request, ServerCallContext context)
    {
        EchoMetadata(context);
        CheckExpectCompressed(request.ExpectCompressed, context);
        EchoStatus(request.ResponseStatus);
        CheckResponseType(request.ResponseType);
        if (request.ResponseCompressed?.Value == true)
        {
            context.CompressResponses = true;
        }

        var response = new SimpleResponse { Payload = NewPayload(request.ResponseSize) };
        if (request.FillServerId)
        {
            response.ServerId = "metering-grpc-interop-server";
        }

        return Task.FromResult(response);
    }

    public Task<SimpleResponse> CacheableUnaryCall(SimpleRequest request, ServerCallContext context)
    {
        EchoMetadata(context);
        context.ResponseHeaders.Add("cache-control", "max-age=60, public");
        var nanos = (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;
        var body = ByteString.CopyFromUtf8(nanos.ToString(CultureInfo.InvariantCulture));
        return Task.FromResult(new SimpleResponse { Payload = new Payload { Type = PayloadType.Compressable, Body = body } });
    }

    public async Task StreamingOutputCall(StreamingOutputCallRequest request, IServerStreamWriter<StreamingOutputCallResponse> responseStream, ServerCallContext context)
    {
        EchoMetadata(context);
        CheckResponseType(request.ResponseType);
        EnableCompressionIfAsked(request, context);
        await WriteResponsesAsync(request, responseStream, context);
        EchoStatus(request.ResponseStatus);
    }

    public async Task<StreamingInputCallResponse> StreamingInputCall(IAsyncStreamReader<StreamingInputCallRequest> requestStream, ServerCallContext context)
    {
        EchoMetadata(context);
        var total = 0;
        while (await requestStream.MoveNext(context.CancellationToken))
        {
            var request = requestStream.Current;
            CheckExpectCompressed(request.ExpectCompressed, context);
            total += request.Payload?.Body.Length ?? 0;
        }

        return new StreamingInputCallResponse { AggregatedPayloadSize = total };
    }

    public async Task FullDuplexCall(IAsyncStreamReader<StreamingOutputCallRequest> requestStream, IServerStreamWriter<StreamingOutputCallResponse> responseStream, ServerCallContext context)
    {
        Interlocked.Increment(ref _activeStreams);
        try
        {
            EchoMetadata(context);
            var first = true;
            while (await requestStream.MoveNext(context.CancellationToken))
            {
                var request = requestStream.Current;
                EchoStatus(request.ResponseStatus);
                CheckResponseType(request.ResponseType);
                if (first)
                {
                    EnableCompressionIfAsked(request, context);
                    first = false;
                }

                await WriteResponsesAsync(request, responseStream, context);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _activeStreams);
        }
    }

    public async Task HalfDuplexCall(IAsyncStreamReader<StreamingOutputCallRequest> requestStream, IServerStreamWriter<StreamingOutputCallResponse> responseStream, ServerCallContext context)
    {
        EchoMetadata(context);
        var buffered = new List<StreamingOutputCallRequest>();
        while (await requestStream.MoveNext(context.CancellationToken))
        {
            buffered.Add(requestStream.Current);
        }

        if (buffered.Count > 0)
        {
            EnableCompressionIfAsked(buffered[0], context);
        }

        foreach (var request in buffered)
        {
            EchoStatus(request.ResponseStatus);
            CheckResponseType(request.ResponseType);
            await WriteResponsesAsync(request, responseStream, context);
        }
    }

    public Task<Empty> UnimplementedCall(Empty request, ServerCallContext context)
        => throw new RpcException(StatusCode.Unimplemented, "grpc.testing.TestService/UnimplementedCall is not implemented by design.");

    private static async Task WriteResponsesAsync(StreamingOutputCallRequest request, IServerStreamWriter<StreamingOutputCallResponse> responseStream, ServerCallContext context)
    {
        foreach (var parameters in request.ResponseParameters)
        {
            if (parameters.IntervalUs > 0)
            {
                await Task.Delay(TimeSpan.FromMicroseconds(parameters.IntervalUs), context.CancellationToken);
            }

            var flags = parameters.Compressed?.Value == true ? WriteFlags.None : WriteFlags.NoCompress;
            await responseStream.WriteAsync(new StreamingOutputCallResponse { Payload = NewPayload(parameters.Size) }, flags, context.CancellationToken);
        }
    }

    /// <summary>Compression is decided once per call before the first response; single messages then opt out.</summary>
    private static void EnableCompressionIfAsked(StreamingOutputCallRequest request, ServerCallContext context)
    {
        if (request.ResponseParameters.Any(p => p.Compressed?.Value == true))
        {
            context.CompressResponses = true;
        }
    }

    private static void EchoMetadata(ServerCallContext context)
    {
        var initial = context.RequestHeaders.Get(EchoInitialKey);
        if (initial is not null)
        {
            context.ResponseHeaders.Add(initial);
        }

        var trailing = context.RequestHeaders.Get(EchoTrailingKey);
        if (trailing is not null)
        {
            context.ResponseTrailers.Add(trailing);
        }
    }

    private static void EchoStatus(EchoStatus? status)
    {
        if (status is not null && status.Code != 0)
        {
            throw new RpcException((StatusCode)status.Code, status.Message);
        }
    }

    private static void CheckExpectCompressed(BoolValue? expectCompressed, ServerCallContext context)
    {
        if (expectCompressed is null)
        {
            return;
        }

        var compressed = context.LastRequestMessageCompressed;
        if (expectCompressed.Value && !compressed)
        {
            throw new RpcException(StatusCode.InvalidArgument, "Expected a compressed request message, but the compressed flag was not set.");
        }

        if (!expectCompressed.Value && compressed)
        {
            throw new RpcException(StatusCode.InvalidArgument, "Expected an uncompressed request message, but the compressed flag was set.");
        }
    }

    private static void CheckResponseType(PayloadType type)
    {
        if (type != PayloadType.Compressable)
        {
            throw new RpcException(StatusCode.InvalidArgument, $"Unsupported response_type {type}.");
        }
    }

    private static Payload NewPayload(int size)
    {
        if (size < 0)
        {
            throw new RpcException(StatusCode.InvalidArgument, $"Negative payload size {size}.");
        }

        return new Payload { Type = PayloadType.Compressable, Body = ByteString.CopyFrom(new byte[size]) };
    }
}
