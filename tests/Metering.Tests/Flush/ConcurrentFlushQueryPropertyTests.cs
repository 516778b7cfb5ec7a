using Metering.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Metering.Testing;
using Metering.Tests.Infrastructure;
using Xunit;

namespace Metering.Tests.Flush;

/// <summary>
/// Ingest, flushes (every 50 ms) and queries run at once. Every query result must lie between the tokens acked
/// before the query started and the tokens sent before it ended (a batch is applied in Redis a moment before
/// its ack reaches the client, so "acked by the end" is not an upper bound; "sent by the end" is), and the
/// final total must equal the acked total exactly.
/// </summary>
public sealed class ConcurrentFlushQueryPropertyTests
{
    [Fact]
    public async Task QueriesDuringIngestAndFlush_StayWithinBounds_AndFinalTotalIsExact()
    {
        await using var service = await MeteringServiceHost.StartAsync(settings: new Dictionary<string, string?> { ["Flush:Interval"] = "00:00:00.050" });
        using var channel = GrpcChannel.ForAddress(service.Address);
        var key = await Rpc.CreateHostWithKeyAsync(channel, "prop-host");
        var random = new Random(20261127);
        long acked = 0;
        long sent = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(6));

        async Task ProduceAsync(string producer, int seed)
        {
            var rng = new Random(seed);
            using var call = channel.Ingest().StreamUsage(Rpc.As(key));
            var pending = new Queue<long>();
            var reader = Task.Run(async () =>
            {
                while (await call.ResponseStream.MoveNext())
                {
                    long tokens;
                    lock (pending)
                    {
                        tokens = pending.Dequeue();
                    }

                    Assert.Equal(IngestResult.Accepted, call.ResponseStream.Current.Result);
                    Interlocked.Add(ref acked, tokens);
                }
            });
            ulong sequence = 0;
            while (!stop.IsCancellationRequested)
            {
                var request = new StreamUsageRequest { ProducerId = producer, Sequence = ++sequence };
                long tokens = 0;
                for (var i = 0; i < 20; i++)
                {
                    var input = rng.Next(1, 1000);
                    tokens += input;
                    request.Records.Add(Rpc.Record("model-" + rng.Next(5), input, at: DateTime.UtcNow.AddHours(-rng.Next(3))));
                }

                lock (pending)
                {
                    pending.Enqueue(tokens);
                }

                Interlocked.Add(ref sent, tokens);
                await call.RequestStream.WriteAsync(request);
                if (pending.Count > 16)
                {
                    await Task.Delay(1);
                }
            }

            await call.RequestStream.CompleteAsync();
            await reader;
        }

        var producers = Enumerable.Range(0, 3).Select(i => ProduceAsync("p" + i, random.Next())).ToList();
        var queries = 0;
        while (!stop.IsCancellationRequested)
        {
            var before = Interlocked.Read(ref acked);
            var total = (await Rpc.TotalsByModelAsync(channel, key)).Values.Sum(r => r.InputTokens);
            var after = Interlocked.Read(ref sent);
            Assert.InRange(total, before, after);
            queries++;
        }

        await Task.WhenAll(producers);
        var final = (await Rpc.TotalsByModelAsync(channel, key)).Values.Sum(r => r.InputTokens);
        Assert.Equal(Interlocked.Read(ref acked), final);
        Assert.Equal(Interlocked.Read(ref sent), final);
        Assert.True(queries > 20, $"only {queries} queries ran");
    }
}
