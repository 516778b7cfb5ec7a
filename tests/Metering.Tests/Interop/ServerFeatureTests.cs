using System.Diagnostics;
using Google.Protobuf;
using Grpc.Testing;
using Metering.Grpc;
using Xunit;

namespace Metering.Tests.Interop;

/// <summary>
/// TestService server features the 18 client cases leave out (HalfDuplexCall, interval_us, a status after
/// messages, CacheableUnaryCall, the client's receive limit, many concurrent calls), run by our client against
/// our server and against grpcio's, so both ends agree with the reference.
/// </summary>
public sealed class ServerFeatureTests : IClassFixture<OurInteropServersFixture>, IClassFixture<PythonInteropServersFixture>
{
    private readonly OurInteropServersFixture _ours;
    private readonly PythonInteropServersFixture _python;

    public ServerFeatureTests(OurInteropServersFixture ours, PythonInteropServersFixture python)
    {
        _ours = ours;
        _python = python;
    }

    public static TheoryData<string> Servers => new() { "ours", "python" };

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task HalfDuplexCall_AnswersAfterHalfCloseInOrder(string server)
    {
        using var channel = Channel(server);
        using var call = channel.DuplexStreaming(TestServiceMethods.HalfDuplexCall);
        foreach (var size in new[] { 5, 7, 11 })
        {
            var request = new StreamingOutputCallRequest();
            request.ResponseParameters.Add(new ResponseParameters { Size = size });
            await call.RequestStream.WriteAsync(request);
        }

        // Nothing may arrive before the half-close.
        var early = call.ResponseStream.MoveNext();
        var first = await Task.WhenAny(early, Task.Delay(TimeSpan.FromMilliseconds(200)));
        Assert.False(first == early, "HalfDuplexCall answered before the half-close");
        await call.RequestStream.CompleteAsync();
        var sizes = new List<int>();
        if (await early)
        {
            sizes.Add(call.ResponseStream.Current.Payload.Body.Length);
            while (await call.ResponseStream.MoveNext())
            {
                sizes.Add(call.ResponseStream.Current.Payload.Body.Length);
            }
        }

        Assert.Equal([5, 7, 11], sizes);
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task StreamingOutputCall_IntervalUs_DelaysEachResponse(string server)
    {
        using var channel = Channel(server);
        var request = new StreamingOutputCallRequest();
        for (var i = 0; i < 3; i++)
        {
            request.ResponseParameters.Add(new ResponseParameters { Size = 1, IntervalUs = 100_000 });
        }

        var elapsed = Stopwatch.StartNew();
        using var call = channel.ServerStreaming(TestServiceMethods.StreamingOutputCall, request);
        var count = 0;
        while (await call.ResponseStream.MoveNext())
        {
            count++;
        }

        Assert.Equal(3, count);
        Assert.True(elapsed.Elapsed >= TimeSpan.FromMilliseconds(290), $"three 100 ms intervals took {elapsed.Elapsed}");
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task StreamingOutputCall_StatusAfterMessages_ArrivesInTrailersWithEchoedMetadata(string server)
    {
        using var channel = Channel(server);
        var request = new StreamingOutputCallRequest { ResponseStatus = new EchoStatus { Code = (int)StatusCode.ResourceExhausted, Message = "quota 100% used: ☹" } };
        request.ResponseParameters.Add(new ResponseParameters { Size = 3 });
        request.ResponseParameters.Add(new ResponseParameters { Size = 4 });
        var metadata = new Metadata { { TestServiceImpl.EchoInitialKey, "hello" }, { TestServiceImpl.EchoTrailingKey, new byte[] { 0, 1, 254, 255 } } };
        using var call = channel.ServerStreaming(TestServiceMethods.StreamingOutputCall, request, new CallOptions { Headers = metadata });

        Assert.True(await call.ResponseStream.MoveNext());
        Assert.True(await call.ResponseStream.MoveNext());
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Equal("quota 100% used: ☹", ex.Status.Detail);
        Assert.Equal("hello", (await call.ResponseHeadersAsync).GetValue(TestServiceImpl.EchoInitialKey));
        Assert.Equal([0, 1, 254, 255], ex.Trailers.GetValueBytes(TestServiceImpl.EchoTrailingKey));
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task UnaryCall_ErrorBeforeAnyMessage_CarriesEchoedMetadata(string server)
    {
        using var channel = Channel(server);
        var metadata = new Metadata { { TestServiceImpl.EchoInitialKey, "early" }, { TestServiceImpl.EchoTrailingKey, new byte[] { 0xab } } };
        using var call = channel.Unary(TestServiceMethods.UnaryCall, new SimpleRequest { ResponseStatus = new EchoStatus { Code = (int)StatusCode.PermissionDenied, Message = "no" } }, new CallOptions { Headers = metadata });
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, ex.StatusCode);
        Assert.Equal("no", ex.Status.Detail);
        Assert.Equal([0xab], ex.Trailers.GetValueBytes(TestServiceImpl.EchoTrailingKey));
        Assert.Equal("early", (await call.ResponseHeadersAsync).GetValue(TestServiceImpl.EchoInitialKey));
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task CacheableUnaryCall_SetsCacheControlAndAFreshPayload(string server)
    {
        using var channel = Channel(server);
        using var first = channel.Unary(TestServiceMethods.CacheableUnaryCall, new SimpleRequest());
        var one = await first;
        await Task.Delay(2);
        var two = await channel.UnaryAsync(TestServiceMethods.CacheableUnaryCall, new SimpleRequest());
        Assert.Contains("max-age=60", (await first.ResponseHeadersAsync).GetValue("cache-control"), StringComparison.Ordinal);
        Assert.NotEqual(one.Payload.Body, two.Payload.Body);
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task UnaryCall_ResponseAboveClientLimit_IsResourceExhausted(string server)
    {
        using var channel = Channel(server);
        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(TestServiceMethods.UnaryCall, new SimpleRequest { ResponseSize = 5 * 1024 * 1024 }));
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);

        // The channel is still usable afterwards.
        var ok = await channel.UnaryAsync(TestServiceMethods.UnaryCall, new SimpleRequest { ResponseSize = 10 });
        Assert.Equal(10, ok.Payload.Body.Length);
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task UnaryCall_FiftyConcurrentLargeCalls_AllSucceed(string server)
    {
        using var channel = Channel(server);
        var request = new SimpleRequest { ResponseSize = 314159, Payload = new Payload { Body = ByteString.CopyFrom(new byte[271828]) } };
        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => channel.UnaryAsync(TestServiceMethods.UnaryCall, request)));
        Assert.All(responses, r => Assert.Equal(314159, r.Payload.Body.Length));
    }

    private GrpcChannel Channel(string server)
        => server == "ours" ? InteropChannels.Create(_ours.H2c.Address, null) : InteropChannels.Create(_python.Address(tls: false), null);
}
