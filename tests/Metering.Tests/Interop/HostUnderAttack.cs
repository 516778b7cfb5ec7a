using Grpc.Core;
using Metering.Contracts.V1;
using Metering.Testing;
using Xunit;
using static Metering.Tests.Interop.InteropUsage;

namespace Metering.Tests.Interop;

/// <summary>A host of the hostile-input tests: its HOST key, and its usage as it was before the hostile request.</summary>
internal sealed class HostUnderAttack
{
    private readonly HostileInputFixture _service;
    private readonly HostState _before;

    public HostUnderAttack(HostileInputFixture service, string hostId, string key, HostState before)
    {
        _service = service;
        HostId = hostId;
        Key = key;
        _before = before;
    }

    public string HostId { get; }

    public string Key { get; }

    /// <summary>
    /// Nothing of the host's usage changed; then the batch the hostile request carried, sent properly by our client on
    /// <paramref name="method"/>, is ACCEPTED as new and counted once.
    /// </summary>
    public async Task AssertUnchangedThenServingAsync(string method)
    {
        var after = await HostState.CaptureAsync(_service.Host, _service.Channel, HostId, Key);
        Assert.Equal(_before.RedisEntries, after.RedisEntries);
        Assert.Equal(_before.Totals, after.Totals);

        var client = new IngestService.IngestServiceClient(_service.Channel);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        if (method == "StreamUsage")
        {
            using var call = client.StreamUsage(Calls.As(Key, deadline.Token));
            await call.RequestStream.WriteAsync(Batch("gw-hostile", 2, Record("model-a", input: 1000)));
            await call.RequestStream.CompleteAsync();
            Assert.True(await call.ResponseStream.MoveNext());
            Assert.Equal((2UL, IngestResult.Accepted), (call.ResponseStream.Current.Sequence, call.ResponseStream.Current.Result));
        }
        else
        {
            var response = await client.ReportUsageAsync(new ReportUsageRequest { IdempotencyKey = "hostile-2", Records = { Record("model-a", input: 1000) } }, Calls.As(Key, deadline.Token));
            Assert.Equal(IngestResult.Accepted, response.Result);
        }

        var served = await HostState.CaptureAsync(_service.Host, _service.Channel, HostId, Key);
        Assert.Equal([("model-a", 1001L, 2L, 3L, 0L)], served.Totals);
    }
}
