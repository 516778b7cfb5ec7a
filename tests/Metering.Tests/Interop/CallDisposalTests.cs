using System.Diagnostics;
using Grpc.Testing;
using Metering.Grpc;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Metering.Tests.Interop;

/// <summary>Disposing a client call with no token or deadline must still cancel it on the server ("dispose to cancel").</summary>
public sealed class CallDisposalTests : IClassFixture<OurInteropServersFixture>
{
    private readonly OurInteropServersFixture _servers;

    public CallDisposalTests(OurInteropServersFixture servers) => _servers = servers;

    [Fact]
    public async Task DisposingDuplexCallBeforeResponseHeaders_CancelsTheServerCall()
    {
        var service = _servers.H2c.Services.GetRequiredService<TestServiceImpl>();
        using var channel = GrpcChannel.ForAddress(_servers.H2c.Address);
        var call = channel.DuplexStreaming(TestServiceMethods.FullDuplexCall);

        // Twenty responses 200 ms apart: the server sends nothing, not even headers, for the first 200 ms.
        await call.RequestStream.WriteAsync(SlowResponses(20, TimeSpan.FromMilliseconds(200)));
        await WaitUntilAsync(() => service.ActiveStreams == 1, TimeSpan.FromSeconds(5));
        Assert.Equal(1, service.ActiveStreams);

        call.Dispose();
        await WaitUntilAsync(() => service.ActiveStreams == 0, TimeSpan.FromSeconds(2));
        Assert.Equal(0, service.ActiveStreams);
        Assert.Equal(StatusCode.Cancelled, call.GetStatus().Code);
    }

    [Fact]
    public async Task DisposingDuplexCallAfterFirstResponse_CancelsTheServerCall()
    {
        var service = _servers.H2c.Services.GetRequiredService<TestServiceImpl>();
        using var channel = GrpcChannel.ForAddress(_servers.H2c.Address);
        var call = channel.DuplexStreaming(TestServiceMethods.FullDuplexCall);
        await call.RequestStream.WriteAsync(SlowResponses(20, TimeSpan.FromMilliseconds(100)));
        Assert.True(await call.ResponseStream.MoveNext());
        Assert.Equal(1, service.ActiveStreams);

        call.Dispose();
        await WaitUntilAsync(() => service.ActiveStreams == 0, TimeSpan.FromSeconds(1.5));
        Assert.Equal(0, service.ActiveStreams);
    }

    private static StreamingOutputCallRequest SlowResponses(int count, TimeSpan interval)
    {
        var request = new StreamingOutputCallRequest();
        for (var i = 0; i < count; i++)
        {
            request.ResponseParameters.Add(new ResponseParameters { Size = 1, IntervalUs = (int)(interval.Ticks / 10) });
        }

        return request;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var elapsed = Stopwatch.StartNew();
        while (!condition() && elapsed.Elapsed < timeout)
        {
            await Task.Delay(10);
        }
    }
}
