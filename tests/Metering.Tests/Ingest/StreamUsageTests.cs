using Metering.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Metering.Testing;
using Metering.Tests.Infrastructure;
using Xunit;

namespace Metering.Tests.Ingest;

public sealed class StreamUsageTests : IAsyncLifetime
{
    private MeteringServiceHost _service = null!;
    private GrpcChannel _channel = null!;

    public async Task InitializeAsync()
    {
        _service = await MeteringServiceHost.StartAsync();
        _channel = GrpcChannel.ForAddress(_service.Address);
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _service.DisposeAsync();
    }

    [Fact]
    public async Task AcceptedBatches_AreCountedOnce()
    {
        var key = await Rpc.CreateHostWithKeyAsync(_channel, "acme");
        using var call = _channel.Ingest().StreamUsage(Rpc.As(key));
        for (ulong seq = 1; seq <= 3; seq++)
        {
            await call.RequestStream.WriteAsync(new StreamUsageRequest { ProducerId = "gw-1", Sequence = seq, Records = { Rpc.Record("llama-3-70b", 100, 10), Rpc.Record("mistral-7b", 5) } });
        }

        for (ulong seq = 1; seq <= 3; seq++)
        {
            Assert.True(await call.ResponseStream.MoveNext());
            Assert.Equal(seq, call.ResponseStream.Current.Sequence);
            Assert.Equal(IngestResult.Accepted, call.ResponseStream.Current.Result);
            Assert.Equal(2, call.ResponseStream.Current.RecordsAccepted);
        }

        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext());

        var totals = await Rpc.TotalsByModelAsync(_channel, key);
        Assert.Equal(300, totals["llama-3-70b"].InputTokens);
        Assert.Equal(30, totals["llama-3-70b"].OutputTokens);
        Assert.Equal(3, totals["llama-3-70b"].Requests);
        Assert.Equal(15, totals["mistral-7b"].InputTokens);
    }

    [Fact]
    public async Task ResentSequence_IsDuplicateAndChangesNothing()
    {
        var key = await Rpc.CreateHostWithKeyAsync(_channel, "dup-host");
        var batch = new StreamUsageRequest { ProducerId = "gw-1", Sequence = 1, Records = { Rpc.Record("m", 7) } };
        for (var attempt = 0; attempt < 2; attempt++)
        {
            using var call = _channel.Ingest().StreamUsage(Rpc.As(key));
            await call.RequestStream.WriteAsync(batch);
            Assert.True(await call.ResponseStream.MoveNext());
            Assert.Equal(attempt == 0 ? IngestResult.Accepted : IngestResult.Duplicate, call.ResponseStream.Current.Result);
            await call.RequestStream.CompleteAsync();
            Assert.False(await call.ResponseStream.MoveNext());
        }

        Assert.Equal(7, (await Rpc.TotalsByModelAsync(_channel, key))["m"].InputTokens);
    }

    [Fact]
    public async Task Gap_FailsStreamNamingExpectedSequence()
    {
        var key = await Rpc.CreateHostWithKeyAsync(_channel, "gap-host");
        using var call = _channel.Ingest().StreamUsage(Rpc.As(key));
        await call.RequestStream.WriteAsync(new StreamUsageRequest { ProducerId = "gw-1", Sequence = 1, Records = { Rpc.Record("m", 1) } });
        await call.RequestStream.WriteAsync(new StreamUsageRequest { ProducerId = "gw-1", Sequence = 3, Records = { Rpc.Record("m", 1000) } });
        Assert.True(await call.ResponseStream.MoveNext());
        Assert.Equal(IngestResult.Accepted, call.ResponseStream.Current.Result);
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.FailedPrecondition, ex.StatusCode);
        Assert.Contains("expected sequence 2", ex.Status.Detail, StringComparison.Ordinal);
        var info = Calls.ErrorInfo(ex)!;
        Assert.Equal("SEQUENCE_GAP", info.Reason);
        Assert.Equal("2", info.Metadata["expected_sequence"]);
        Assert.Equal(1, (await Rpc.TotalsByModelAsync(_channel, key))["m"].InputTokens);
    }

    [Fact]
    public async Task InvalidBatch_IsRejectedWhole_AndTheStreamGoesOn()
    {
        var key = await Rpc.CreateHostWithKeyAsync(_channel, "reject-host");
        using var call = _channel.Ingest().StreamUsage(Rpc.As(key));
        await call.RequestStream.WriteAsync(new StreamUsageRequest
        {
            ProducerId = "gw-1",
            Sequence = 1,
            Records = { Rpc.Record("good", 50), Rpc.Record("bad model!", 5), Rpc.Record("m", -1), Rpc.Record("m", 0, 0, 0) },
        });
        await call.RequestStream.WriteAsync(new StreamUsageRequest { ProducerId = "gw-1", Sequence = 2, Records = { Rpc.Record("good", 9) } });
        Assert.True(await call.ResponseStream.MoveNext());
        var rejected = call.ResponseStream.Current;
        Assert.Equal(IngestResult.Rejected, rejected.Result);
        Assert.Equal(0, rejected.RecordsAccepted);
        Assert.Contains(rejected.Violations, v => v.Field == "records[1].model" && v.Reason == "MODEL_INVALID");
        Assert.Contains(rejected.Violations, v => v.Field == "records[2].input_tokens" && v.Reason == "COUNTER_OUT_OF_RANGE");
        Assert.Contains(rejected.Violations, v => v.Field == "records[3].input_tokens" && v.Reason == "NO_POSITIVE_COUNTER");
        Assert.True(await call.ResponseStream.MoveNext());
        Assert.Equal(IngestResult.Accepted, call.ResponseStream.Current.Result);
        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext());
        Assert.Equal(9, (await Rpc.TotalsByModelAsync(_channel, key))["good"].InputTokens);
    }
}
