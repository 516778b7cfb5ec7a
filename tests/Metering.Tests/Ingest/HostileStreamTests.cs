using System.IO.Compression;
using Google.Protobuf;
using Metering.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Metering.Testing;
using Metering.Tests.Infrastructure;
using Xunit;

namespace Metering.Tests.Ingest;

/// <summary>
/// Hostile input into StreamUsage: malformed frames sent as raw HTTP/2 after one valid batch, and a counter-overflow
/// attack. Each ends with the status gRPC prescribes, changes no counter beyond what was acknowledged, and leaves the
/// service (and the producer's sequence) serving normally.
/// </summary>
public sealed class HostileStreamTests : IClassFixture<MeteringServiceFixture>
{
    private static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(15);

    private readonly MeteringServiceFixture _fixture;

    public HostileStreamTests(MeteringServiceFixture fixture) => _fixture = fixture;

    public enum Hostile
    {
        GarbagePayload,
        InvalidCompressedFlagByte,
        TruncatedLengthPrefix,
        TruncatedPayload,
        Declared100MegabyteLength,
        CompressedFlagWithoutGrpcEncoding,
        RealMessageAboveFourMebibytes,
    }

    [Theory]
    [InlineData(Hostile.GarbagePayload, "13")]
    [InlineData(Hostile.InvalidCompressedFlagByte, "13")]
    [InlineData(Hostile.TruncatedLengthPrefix, "13")]
    [InlineData(Hostile.TruncatedPayload, "13")]
    [InlineData(Hostile.Declared100MegabyteLength, "8")]
    [InlineData(Hostile.CompressedFlagWithoutGrpcEncoding, "13")]
    [InlineData(Hostile.RealMessageAboveFourMebibytes, "8")]
    public async Task ValidBatchThenHostileFrame_EndsWithTheRightStatus_CountsOnlyWhatWasAcked_AndServiceGoesOn(Hostile hostile, string expectedStatus)
    {
        var (hostId, key) = await _fixture.NewHostAsync("hostile");
        var second = IngestCalls.Batch("gw", 2, Rpc.Record("m", 1_000_000));

        await using var raw = RawIngestStream.Open(_fixture.Service.Address, key);
        await raw.WriteAsync(RawIngestStream.Frame(IngestCalls.Batch("gw", 1, Rpc.Record("m", 10), Rpc.Record("n", 5))));
        var hostileWrite = hostile switch
        {
            Hostile.GarbagePayload => raw.WriteAsync(RawIngestStream.Frame(Enumerable.Repeat((byte)0xFF, 11).ToArray())),
            Hostile.InvalidCompressedFlagByte => raw.WriteAsync([0x7F, 0, 0, 0, 2, 8, 1]),
            Hostile.TruncatedLengthPrefix => raw.WriteAsync([0, 0, 0]),
            Hostile.TruncatedPayload => raw.WriteAsync(RawIngestStream.Frame(second)[..^3]),
            Hostile.Declared100MegabyteLength => raw.WriteAsync(RawIngestStream.Frame([1, 2, 3, 4], declaredLength: 100_000_000)),
            Hostile.CompressedFlagWithoutGrpcEncoding => raw.WriteAsync(RawIngestStream.Frame(Gzip(second.ToByteArray()), compressedFlag: true)),
            Hostile.RealMessageAboveFourMebibytes => raw.WriteAsync(RawIngestStream.Frame(AboveFourMebibytes())),
            _ => throw new ArgumentOutOfRangeException(nameof(hostile), hostile, null),
        };

        // The response is read while the body is still being written (the server may refuse a large message before
        // taking all of it). A declared length above the limit must be refused from the prefix alone: that body stays
        // open until the answer is in.
        var write = Task.Run(async () =>
        {
            await hostileWrite;
            if (hostile != Hostile.Declared100MegabyteLength)
            {
                raw.Complete();
            }
        });
        var (acks, status, message) = await raw.ReadResponseAsync(ResponseTimeout);
        raw.Complete();
        await IgnoreFailure(write);

        Assert.True(expectedStatus == status, $"status {status}: {message}");
        Assert.False(string.IsNullOrEmpty(message));
        var ack = Assert.Single(acks);
        Assert.Equal(1UL, ack.Sequence);
        Assert.Equal(IngestResult.Accepted, ack.Result);
        Assert.Equal(15, (await _fixture.TotalsAsync(hostId)).InputTokens);

        // The producer's next sequence is still 2, and a normal stream is served.
        var after = await IngestCalls.StreamAsync(_fixture.Channel, key, [second]);
        Assert.Equal(StatusCode.OK, after.Status);
        Assert.Equal(IngestResult.Accepted, Assert.Single(after.Acks).Result);
        Assert.Equal(1_000_015, (await _fixture.TotalsAsync(hostId)).InputTokens);
    }

    [Fact]
    public async Task CounterOverflowAttack_IsRejectedWhole_TotalsAreExactlyTheAcceptedBatches()
    {
        // Each batch: 9,999 records of 10^12 tokens into one hour bucket of model "m" (~10^16) and one small record
        // of model "side". 400 batches stay within the 4*10^18 bucket limit; every later one must be REJECTED whole,
        // its "side" record included. The flusher runs every 100 ms, so the limit must hold for the bucket's total,
        // not only for what Redis has not flushed yet.
        await using var service = await MeteringServiceHost.StartAsync(settings: new Dictionary<string, string?> { ["Flush:Interval"] = "00:00:00.100" });
        using var channel = GrpcChannel.ForAddress(service.Address);
        var key = await Rpc.CreateHostWithKeyAsync(channel, "overflow");
        const int batches = 410;
        const long perRecord = 1_000_000_000_000;
        var now = DateTime.UtcNow;
        var at = new DateTime(now.Year, now.Month, now.Day, now.Hour, 0, 0, DateTimeKind.Utc);
        var records = Enumerable.Range(0, 9_999).Select(_ => Rpc.Record("m", perRecord, 0, 0, at)).Append(Rpc.Record("side", 5, 0, 1, at));

        // Pipelined over raw HTTP/2, the records serialized once: protobuf concatenation appends them to each
        // batch's producer_id and sequence.
        var recordBytes = new StreamUsageRequest { Records = { records } }.ToByteArray();
        await using (var raw = RawIngestStream.Open(service.Address, key))
        {
            for (ulong sequence = 1; sequence <= batches; sequence++)
            {
                await raw.WriteAsync(RawIngestStream.Frame([.. new StreamUsageRequest { ProducerId = "gw", Sequence = sequence }.ToByteArray(), .. recordBytes]));
            }

            raw.Complete();
            var (acks, status, _) = await raw.ReadResponseAsync(TimeSpan.FromSeconds(60));

            Assert.Equal("0", status);
            Assert.Equal(Enumerable.Range(1, batches).Select(s => (ulong)s), acks.Select(a => a.Sequence));
            Assert.All(acks.Take(400), a =>
            {
                Assert.Equal(IngestResult.Accepted, a.Result);
                Assert.Equal(10_000, a.RecordsAccepted);
            });
            Assert.All(acks.Skip(400), a =>
            {
                Assert.Equal(IngestResult.Rejected, a.Result);
                Assert.Equal(0, a.RecordsAccepted);
                var violation = Assert.Single(a.Violations);
                Assert.Equal("records", violation.Field);
                Assert.Equal("COUNTER_TOTAL_OVERFLOW", violation.Reason);
            });
        }

        var totals = await Rpc.TotalsByModelAsync(channel, key);
        Assert.Equal(400 * 9_999 * perRecord, totals["m"].InputTokens);
        Assert.Equal(0, totals["m"].Requests);
        Assert.Equal(400 * 5, totals["side"].InputTokens);
        Assert.Equal(400, totals["side"].Requests);
    }

    private static StreamUsageRequest AboveFourMebibytes()
    {
        // A well-formed batch of 30,000 records with 128-character model names: about 4.6 MB.
        var model = new string('m', 128);
        var request = IngestCalls.Batch("gw", 2, Enumerable.Range(0, 30_000).Select(_ => Rpc.Record(model, 1_000_000)).ToArray());
        Assert.True(request.CalculateSize() > 4 * 1024 * 1024);
        return request;
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    private static async Task IgnoreFailure(Task write)
    {
        try
        {
            await write.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException or TimeoutException or ObjectDisposedException)
        {
            // The server may reset the request stream once it has answered.
        }
    }
}
