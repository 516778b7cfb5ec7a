using Google.Protobuf;
using Grpc.Testing;
using Metering.Grpc;
using Xunit;

namespace Metering.Tests.Interop;

/// <summary>
/// The client test cases of grpc's doc/interop-test-descriptions.md, written against the project's
/// <see cref="GrpcChannel"/>, with the assertions the spec lists. A case passes when it returns and fails by throwing.
/// The channel's handler must include a <see cref="ResponseMessageTap"/> for the server_compressed_* cases.
/// </summary>
internal sealed class InteropClient
{
    private const string SpecialStatusMessage = "\t\ntest with whitespace\r\nand Unicode BMP \u263A and non-BMP \U0001F608\t\n";

    private static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(20);

    private readonly GrpcChannel _channel;

    public InteropClient(GrpcChannel channel) => _channel = channel;

    public async Task RunAsync(string testCase)
    {
        var run = testCase switch
        {
            "empty_unary" => EmptyUnaryAsync(),
            "large_unary" => LargeUnaryAsync(),
            "client_streaming" => ClientStreamingAsync(),
            "server_streaming" => ServerStreamingAsync(),
            "ping_pong" => PingPongAsync(),
            "empty_stream" => EmptyStreamAsync(),
            "timeout_on_sleeping_server" => TimeoutOnSleepingServerAsync(),
            "cancel_after_begin" => CancelAfterBeginAsync(),
            "cancel_after_first_response" => CancelAfterFirstResponseAsync(),
            "status_code_and_message" => StatusCodeAndMessageAsync(),
            "special_status_message" => SpecialStatusMessageAsync(),
            "custom_metadata" => CustomMetadataAsync(),
            "unimplemented_method" => UnimplementedMethodAsync(),
            "unimplemented_service" => UnimplementedServiceAsync(),
            "client_compressed_unary" => ClientCompressedUnaryAsync(),
            "client_compressed_streaming" => ClientCompressedStreamingAsync(),
            "server_compressed_unary" => ServerCompressedUnaryAsync(),
            "server_compressed_streaming" => ServerCompressedStreamingAsync(),
            _ => throw new ArgumentException($"Unknown interop test case '{testCase}'.", nameof(testCase)),
        };
        await run.WaitAsync(CaseTimeout);
    }

    private async Task EmptyUnaryAsync()
    {
        var response = await _channel.UnaryAsync(TestServiceMethods.EmptyCall, new Empty());
        Assert.NotNull(response);
        Assert.Equal(0, response.CalculateSize());
    }

    private async Task LargeUnaryAsync()
    {
        var response = await _channel.UnaryAsync(TestServiceMethods.UnaryCall, LargeRequest());
        AssertZeroPayload(response.Payload, 314159);
    }

    private async Task ClientCompressedUnaryAsync()
    {
        var probe = LargeRequest();
        probe.ExpectCompressed = new BoolValue { Value = true };
        var rejected = await Assert.ThrowsAsync<RpcException>(() => _channel.UnaryAsync(TestServiceMethods.UnaryCall, probe));
        Assert.Equal(StatusCode.InvalidArgument, rejected.StatusCode);

        var compressed = LargeRequest();
        compressed.ExpectCompressed = new BoolValue { Value = true };
        var first = await _channel.UnaryAsync(TestServiceMethods.UnaryCall, compressed, new CallOptions { CompressRequests = true });
        AssertZeroPayload(first.Payload, 314159);

        var plain = LargeRequest();
        plain.ExpectCompressed = new BoolValue { Value = false };
        var second = await _channel.UnaryAsync(TestServiceMethods.UnaryCall, plain);
        AssertZeroPayload(second.Payload, 314159);
    }

    private async Task ServerCompressedUnaryAsync()
    {
        foreach (var compress in new[] { true, false })
        {
            var request = LargeRequest();
            request.ResponseCompressed = new BoolValue { Value = compress };
            List<bool> flags;
            SimpleResponse response;
            using (ResponseMessageTap.Capture(out flags))
            {
                response = await _channel.UnaryAsync(TestServiceMethods.UnaryCall, request);
            }

            AssertZeroPayload(response.Payload, 314159);
            Assert.Equal([compress], flags);
        }
    }

    private async Task ClientStreamingAsync()
    {
        using var call = _channel.ClientStreaming(TestServiceMethods.StreamingInputCall);
        foreach (var size in new[] { 27182, 8, 1828, 45904 })
        {
            await call.RequestStream.WriteAsync(new StreamingInputCallRequest { Payload = ZeroPayload(size) });
        }

        await call.RequestStream.CompleteAsync();
        var response = await call.ResponseAsync;
        Assert.Equal(74922, response.AggregatedPayloadSize);
    }

    private async Task ClientCompressedStreamingAsync()
    {
        var rejected = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var probe = _channel.ClientStreaming(TestServiceMethods.StreamingInputCall);
            await probe.RequestStream.WriteAsync(new StreamingInputCallRequest { ExpectCompressed = new BoolValue { Value = true }, Payload = ZeroPayload(27182) });
            await probe.RequestStream.CompleteAsync();
            await probe.ResponseAsync;
        });
        Assert.Equal(StatusCode.InvalidArgument, rejected.StatusCode);

        using var call = _channel.ClientStreaming(TestServiceMethods.StreamingInputCall, new CallOptions { CompressRequests = true });
        await call.RequestStream.WriteAsync(new StreamingInputCallRequest { ExpectCompressed = new BoolValue { Value = true }, Payload = ZeroPayload(27182) });
        await call.RequestStream.WriteAsync(new StreamingInputCallRequest { ExpectCompressed = new BoolValue { Value = false }, Payload = ZeroPayload(45904) }, WriteFlags.NoCompress);
        await call.RequestStream.CompleteAsync();
        var response = await call.ResponseAsync;
        Assert.Equal(73086, response.AggregatedPayloadSize);
    }

    private async Task ServerStreamingAsync()
    {
        var sizes = new[] { 31415, 9, 2653, 58979 };
        var request = new StreamingOutputCallRequest();
        request.ResponseParameters.AddRange(sizes.Select(size => new ResponseParameters { Size = size }));
        using var call = _channel.ServerStreaming(TestServiceMethods.StreamingOutputCall, request);
        var received = new List<int>();
        while (await call.ResponseStream.MoveNext())
        {
            AssertZeroPayload(call.ResponseStream.Current.Payload, call.ResponseStream.Current.Payload.Body.Length);
            received.Add(call.ResponseStream.Current.Payload.Body.Length);
        }

        Assert.Equal(sizes, received);
        Assert.Equal(StatusCode.OK, call.GetStatus().Code);
    }

    private async Task ServerCompressedStreamingAsync()
    {
        var request = new StreamingOutputCallRequest();
        request.ResponseParameters.Add(new ResponseParameters { Size = 31415, Compressed = new BoolValue { Value = true } });
        request.ResponseParameters.Add(new ResponseParameters { Size = 92653, Compressed = new BoolValue { Value = false } });
        var received = new List<int>();
        List<bool> flags;
        using (ResponseMessageTap.Capture(out flags))
        {
            using var call = _channel.ServerStreaming(TestServiceMethods.StreamingOutputCall, request);
            while (await call.ResponseStream.MoveNext())
            {
                AssertZeroPayload(call.ResponseStream.Current.Payload, call.ResponseStream.Current.Payload.Body.Length);
                received.Add(call.ResponseStream.Current.Payload.Body.Length);
            }

            Assert.Equal(StatusCode.OK, call.GetStatus().Code);
        }

        Assert.Equal([31415, 92653], received);
        Assert.Equal([true, false], flags);
    }

    private async Task PingPongAsync()
    {
        (int Request, int Response)[] steps = [(27182, 31415), (8, 9), (1828, 2653), (45904, 58979)];
        using var call = _channel.DuplexStreaming(TestServiceMethods.FullDuplexCall);
        foreach (var (requestSize, responseSize) in steps)
        {
            var request = new StreamingOutputCallRequest { Payload = ZeroPayload(requestSize) };
            request.ResponseParameters.Add(new ResponseParameters { Size = responseSize });
            await call.RequestStream.WriteAsync(request);
            Assert.True(await call.ResponseStream.MoveNext(), $"no response to the {requestSize}-byte request");
            AssertZeroPayload(call.ResponseStream.Current.Payload, responseSize);
        }

        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(), "more than four responses");
        Assert.Equal(StatusCode.OK, call.GetStatus().Code);
    }

    private async Task EmptyStreamAsync()
    {
        using var call = _channel.DuplexStreaming(TestServiceMethods.FullDuplexCall);
        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(), "a response to an empty stream");
        Assert.Equal(StatusCode.OK, call.GetStatus().Code);
    }

    private async Task TimeoutOnSleepingServerAsync()
    {
        using var call = _channel.DuplexStreaming(TestServiceMethods.FullDuplexCall, new CallOptions { Deadline = DateTime.UtcNow.AddMilliseconds(1) });
        try
        {
            await call.RequestStream.WriteAsync(new StreamingOutputCallRequest { Payload = ZeroPayload(27182) });
        }
        catch (RpcException early) when (early.StatusCode == StatusCode.DeadlineExceeded)
        {
            // The deadline may pass before the write; the read below must still report it.
        }

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        Assert.Equal(StatusCode.DeadlineExceeded, call.GetStatus().Code);
    }

    private async Task CancelAfterBeginAsync()
    {
        using var cts = new CancellationTokenSource();
        using var call = _channel.ClientStreaming(TestServiceMethods.StreamingInputCall, new CallOptions { CancellationToken = cts.Token });
        await cts.CancelAsync();
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        Assert.Equal(StatusCode.Cancelled, call.GetStatus().Code);
    }

    private async Task CancelAfterFirstResponseAsync()
    {
        using var cts = new CancellationTokenSource();
        using var call = _channel.DuplexStreaming(TestServiceMethods.FullDuplexCall, new CallOptions { CancellationToken = cts.Token });
        var request = new StreamingOutputCallRequest { Payload = ZeroPayload(27182) };
        request.ResponseParameters.Add(new ResponseParameters { Size = 31415 });
        await call.RequestStream.WriteAsync(request);
        Assert.True(await call.ResponseStream.MoveNext(), "no first response");
        AssertZeroPayload(call.ResponseStream.Current.Payload, 31415);
        await cts.CancelAsync();
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        Assert.Equal(StatusCode.Cancelled, call.GetStatus().Code);
    }

    private Task StatusCodeAndMessageAsync() => EchoStatusAsync("test status message");

    private Task SpecialStatusMessageAsync() => EchoStatusAsync(SpecialStatusMessage);

    private async Task EchoStatusAsync(string message)
    {
        var echo = new EchoStatus { Code = (int)StatusCode.Unknown, Message = message };

        var unary = await Assert.ThrowsAsync<RpcException>(() => _channel.UnaryAsync(TestServiceMethods.UnaryCall, new SimpleRequest { ResponseStatus = echo }));
        Assert.Equal(StatusCode.Unknown, unary.StatusCode);
        Assert.Equal(message, unary.Status.Detail);

        using var call = _channel.DuplexStreaming(TestServiceMethods.FullDuplexCall);
        await call.RequestStream.WriteAsync(new StreamingOutputCallRequest { ResponseStatus = echo });
        await call.RequestStream.CompleteAsync();
        var duplex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.Unknown, duplex.StatusCode);
        Assert.Equal(message, duplex.Status.Detail);
    }

    private async Task CustomMetadataAsync()
    {
        const string initialValue = "test_initial_metadata_value";
        byte[] trailingValue = [0xab, 0xab, 0xab];
        var metadata = new Metadata
        {
            { TestServiceImpl.EchoInitialKey, initialValue },
            { TestServiceImpl.EchoTrailingKey, trailingValue },
        };

        using (var unary = _channel.Unary(TestServiceMethods.UnaryCall, LargeRequest(), new CallOptions { Headers = metadata }))
        {
            var response = await unary;
            AssertZeroPayload(response.Payload, 314159);
            var headers = await unary.ResponseHeadersAsync;
            Assert.Equal(initialValue, headers.GetValue(TestServiceImpl.EchoInitialKey));
            Assert.Equal(trailingValue, unary.GetTrailers().GetValueBytes(TestServiceImpl.EchoTrailingKey));
        }

        using var call = _channel.DuplexStreaming(TestServiceMethods.FullDuplexCall, new CallOptions { Headers = metadata });
        var request = new StreamingOutputCallRequest { Payload = ZeroPayload(271828) };
        request.ResponseParameters.Add(new ResponseParameters { Size = 314159 });
        await call.RequestStream.WriteAsync(request);
        await call.RequestStream.CompleteAsync();
        var responseHeaders = await call.ResponseHeadersAsync;
        Assert.Equal(initialValue, responseHeaders.GetValue(TestServiceImpl.EchoInitialKey));
        Assert.True(await call.ResponseStream.MoveNext(), "no response");
        AssertZeroPayload(call.ResponseStream.Current.Payload, 314159);
        Assert.False(await call.ResponseStream.MoveNext(), "more than one response");
        Assert.Equal(StatusCode.OK, call.GetStatus().Code);
        Assert.Equal(trailingValue, call.GetTrailers().GetValueBytes(TestServiceImpl.EchoTrailingKey));
    }

    private async Task UnimplementedMethodAsync()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => _channel.UnaryAsync(TestServiceMethods.UnimplementedCall, new Empty()));
        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
    }

    private async Task UnimplementedServiceAsync()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => _channel.UnaryAsync(TestServiceMethods.UnimplementedServiceCall, new Empty()));
        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
    }

    private static SimpleRequest LargeRequest()
        => new() { ResponseType = PayloadType.Compressable, ResponseSize = 314159, Payload = ZeroPayload(271828) };

    private static Payload ZeroPayload(int size)
        => new() { Type = PayloadType.Compressable, Body = ByteString.CopyFrom(new byte[size]) };

    private static void AssertZeroPayload(Payload? payload, int expectedSize)
    {
        Assert.NotNull(payload);
        Assert.Equal(PayloadType.Compressable, payload.Type);
        Assert.Equal(expectedSize, payload.Body.Length);
        Assert.True(payload.Body.Span.IndexOfAnyExcept((byte)0) < 0, "the payload body is not all zeros");
    }
}
