using Metering.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Metering.Testing;
using Metering.Tests.Infrastructure;
using Xunit;

namespace Metering.Tests.Ingest;

/// <summary>
/// Exactly-once under concurrency (docs/wire.md): many pipelined producers of one host, one producer racing itself
/// on two streams, and a producer that cancels mid-stream and resends what it has no ack for. In every case the
/// totals are exactly the sum of what the server acknowledged as ACCEPTED.
/// </summary>
public sealed class ConcurrencyTests : IClassFixture<MeteringServiceFixture>
{
    private readonly MeteringServiceFixture _fixture;

    public ConcurrencyTests(MeteringServiceFixture fixture) => _fixture = fixture;

    [Fact]
    public async Task ManyPipelinedProducersOfOneHost_TotalsEqualTheSumOfAcceptedBatches()
    {
        const int producers = 16;
        const int batches = 200;
        var (hostId, key) = await _fixture.NewHostAsync("conc-many");

        // Producer p, batch s: 3 records; input tokens encode (p, s) so a lost or doubled batch shows in the sum.
        var outcomes = await Task.WhenAll(Enumerable.Range(0, producers).Select(p => IngestCalls.StreamAsync(
            _fixture.Channel,
            key,
            Enumerable.Range(1, batches).Select(s => IngestCalls.Batch($"gw-{p}", (ulong)s, Rpc.Record("m-a", Input(p, s)), Rpc.Record("m-b", 1, 2), Rpc.Record("m-a", 0, 0, 5))))));

        long expectedInput = 0;
        for (var p = 0; p < producers; p++)
        {
            var outcome = outcomes[p];
            Assert.Equal(StatusCode.OK, outcome.Status);
            Assert.Equal(Enumerable.Range(1, batches).Select(s => (ulong)s), outcome.Acks.Select(a => a.Sequence));
            Assert.All(outcome.Acks, a => Assert.Equal(IngestResult.Accepted, a.Result));
            Assert.All(outcome.Acks, a => Assert.Equal(3, a.RecordsAccepted));
            expectedInput += outcome.Accepted.Sum(a => Input(p, (int)a.Sequence) + 1);
        }

        var totals = await _fixture.TotalsAsync(hostId);
        Assert.Equal(expectedInput, totals.InputTokens);
        Assert.Equal(producers * batches * 2L, totals.OutputTokens);
        Assert.Equal(producers * batches * 7L, totals.Requests);
    }

    [Fact]
    public async Task OneProducerOnTwoStreamsAtOnce_EverySequenceIsAppliedOnce_TotalsEqualAcceptedAcks()
    {
        const int batches = 300;
        var (_, key) = await _fixture.NewHostAsync("conc-race");

        // Both streams send 1..300 for the same producer; their contents differ (model "a" vs "b"), so the totals
        // say exactly which stream's batch was applied for each sequence.
        IEnumerable<StreamUsageRequest> Stream(string model) => Enumerable.Range(1, batches).Select(s => IngestCalls.Batch("gw-shared", (ulong)s, Rpc.Record(model, s)));
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var a = Task.Run(async () => { await start.Task; return await IngestCalls.StreamAsync(_fixture.Channel, key, Stream("a")); });
        var b = Task.Run(async () => { await start.Task; return await IngestCalls.StreamAsync(_fixture.Channel, key, Stream("b")); });
        start.SetResult();
        var outcomes = await Task.WhenAll(a, b);

        foreach (var outcome in outcomes)
        {
            Assert.Equal(StatusCode.OK, outcome.Status);
            Assert.Equal(Enumerable.Range(1, batches).Select(s => (ulong)s), outcome.Acks.Select(x => x.Sequence));
            Assert.All(outcome.Acks, x => Assert.Contains(x.Result, new[] { IngestResult.Accepted, IngestResult.Duplicate }));
        }

        // Each sequence was ACCEPTED on exactly one of the two streams.
        var acceptedA = outcomes[0].Accepted.Select(x => (int)x.Sequence).ToHashSet();
        var acceptedB = outcomes[1].Accepted.Select(x => (int)x.Sequence).ToHashSet();
        Assert.Empty(acceptedA.Intersect(acceptedB));
        Assert.Equal(Enumerable.Range(1, batches), acceptedA.Union(acceptedB).Order());

        var totals = await Rpc.TotalsByModelAsync(_fixture.Channel, key);
        Assert.Equal(acceptedA.Sum(s => (long)s), totals.TryGetValue("a", out var rowA) ? rowA.InputTokens : 0);
        Assert.Equal(acceptedB.Sum(s => (long)s), totals.TryGetValue("b", out var rowB) ? rowB.InputTokens : 0);
        Assert.Equal(batches, (totals.GetValueOrDefault("a")?.Requests ?? 0) + (totals.GetValueOrDefault("b")?.Requests ?? 0));
    }

    [Fact]
    public async Task ResendAfterClientCancelMidStream_CountsEveryBatchExactlyOnce()
    {
        const int batches = 300;
        const int readBeforeCancel = 40;
        var (hostId, key) = await _fixture.NewHostAsync("conc-resend");
        var all = Enumerable.Range(1, batches).Select(s => IngestCalls.Batch("gw-1", (ulong)s, Rpc.Record("m", s, requests: 1))).ToList();

        // First connection: pipeline everything, read some acks, then cancel while the rest is in flight.
        var acked = new List<ulong>();
        using (var cancel = new CancellationTokenSource())
        {
            var call = _fixture.Channel.Ingest().StreamUsage(Rpc.As(key, cancel.Token));
            var writer = Task.Run(async () =>
            {
                try
                {
                    foreach (var batch in all)
                    {
                        await call.RequestStream.WriteAsync(batch);
                    }
                }
                catch (RpcException)
                {
                    // Cancelled under the writer, as intended.
                }
            });
            while (acked.Count < readBeforeCancel && await call.ResponseStream.MoveNext())
            {
                Assert.Equal(IngestResult.Accepted, call.ResponseStream.Current.Result);
                acked.Add(call.ResponseStream.Current.Sequence);
            }

            await cancel.CancelAsync();
            call.Dispose();
            await writer;
        }

        Assert.Equal(Enumerable.Range(1, readBeforeCancel).Select(s => (ulong)s), acked);

        // Reconnect as the same producer and resend from the first unacknowledged sequence, unchanged.
        var firstUnacked = (int)acked[^1] + 1;
        var resend = await IngestCalls.StreamAsync(_fixture.Channel, key, all.Skip(firstUnacked - 1));

        Assert.Equal(StatusCode.OK, resend.Status);
        Assert.Equal(Enumerable.Range(firstUnacked, batches - firstUnacked + 1).Select(s => (ulong)s), resend.Acks.Select(a => a.Sequence));

        // What the first connection applied without acking comes back DUPLICATE (a prefix), the rest ACCEPTED.
        var results = resend.Acks.Select(a => a.Result).ToList();
        var duplicates = results.TakeWhile(r => r == IngestResult.Duplicate).Count();
        Assert.All(results.Skip(duplicates), r => Assert.Equal(IngestResult.Accepted, r));
        var totals = await _fixture.TotalsAsync(hostId);
        Assert.Equal(batches * (batches + 1L) / 2, totals.InputTokens);
        Assert.Equal(batches, totals.Requests);
    }

    private static long Input(int producer, int sequence) => (producer * 1_000_003L) + sequence;
}
