using Grpc.Core;
using Metering.Contracts.V1;
using Metering.Testing;
using Metering.Tests.Infrastructure;
using Xunit;

namespace Metering.Tests.Standard;

/// <summary>
/// What the gRPC stack must keep doing for ingest: gzip-compressed requests are read, deadlines end calls with
/// DEADLINE_EXCEEDED, and a long-lived stream that is idle for longer than Kestrel's default data-rate grace period
/// (5 s) is not cut, because the services lift Kestrel's body limits.
/// </summary>
public sealed class CallBehaviourTests : IAsyncLifetime
{
    private MeteringServiceHost _service = null!;

    public async Task InitializeAsync() => _service = await MeteringServiceHost.StartAsync();

    public async Task DisposeAsync() => await _service.DisposeAsync();

    [Fact]
    public async Task GzipCompressedStream_IsAcceptedAndCounted()
    {
        using var channel = _service.CreateChannel();
        var key = await Rpc.CreateHostWithKeyAsync(channel, "gzip");
        var headers = Calls.Bearer(key);
        headers.Add("grpc-internal-encoding-request", "gzip");
        using var call = channel.Ingest().StreamUsage(headers);
        await call.RequestStream.WriteAsync(new StreamUsageRequest { ProducerId = "gw", Sequence = 1, Records = { Enumerable.Range(0, 200).Select(_ => Rpc.Record("m", 7)) } });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext());
        Assert.Equal(IngestResult.Accepted, call.ResponseStream.Current.Result);
        Assert.False(await call.ResponseStream.MoveNext());
        Assert.Equal(1400, (await Rpc.TotalsByModelAsync(channel, key))["m"].InputTokens);
    }

    [Fact]
    public async Task StreamPastItsDeadline_EndsWithDeadlineExceeded_AndTheProducerGoesOn()
    {
        using var channel = _service.CreateChannel();
        var key = await Rpc.CreateHostWithKeyAsync(channel, "deadline");
        using (var call = channel.Ingest().StreamUsage(Calls.Bearer(key), deadline: DateTime.UtcNow.AddMilliseconds(500)))
        {
            await call.RequestStream.WriteAsync(new StreamUsageRequest { ProducerId = "gw", Sequence = 1, Records = { Rpc.Record("m", 1) } });
            Assert.True(await call.ResponseStream.MoveNext());
            var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());
            Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        }

        var outcome = await Ingest.IngestCalls.StreamAsync(channel, key, [Ingest.IngestCalls.Batch("gw", 2, Rpc.Record("m", 2))]);
        Assert.Equal(StatusCode.OK, outcome.Status);
        Assert.Equal(3, (await Rpc.TotalsByModelAsync(channel, key))["m"].InputTokens);
    }

    [Fact]
    public async Task StreamIdleForSevenSeconds_IsNotCut()
    {
        using var channel = _service.CreateChannel();
        var key = await Rpc.CreateHostWithKeyAsync(channel, "idle");
        using var call = channel.Ingest().StreamUsage(Calls.Bearer(key));
        await call.RequestStream.WriteAsync(new StreamUsageRequest { ProducerId = "gw", Sequence = 1, Records = { Rpc.Record("m", 1) } });
        Assert.True(await call.ResponseStream.MoveNext());
        await Task.Delay(TimeSpan.FromSeconds(7));
        await call.RequestStream.WriteAsync(new StreamUsageRequest { ProducerId = "gw", Sequence = 2, Records = { Rpc.Record("m", 1) } });
        Assert.True(await call.ResponseStream.MoveNext());
        Assert.Equal((2UL, IngestResult.Accepted), (call.ResponseStream.Current.Sequence, call.ResponseStream.Current.Result));
        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext());
    }
}
