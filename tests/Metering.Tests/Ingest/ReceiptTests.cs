using System.Security.Cryptography;
using Google.Protobuf;
using Metering.Contracts.V1;
using Metering.Tests.Infrastructure;
using Xunit;

namespace Metering.Tests.Ingest;

/// <summary>
/// Receipts against the real service and Redis: every ack's chain value is what the producer computes itself from the
/// bytes it sent (protos/metering/v1/ingest.proto, Receipt); the chain goes on across reconnects, a DUPLICATE of the
/// head gets the head's receipt again, an older DUPLICATE none; ReportUsage's receipt is one link from its key.
/// </summary>
public sealed class ReceiptTests : IClassFixture<MeteringServiceFixture>
{
    private readonly MeteringServiceFixture _fixture;

    public ReceiptTests(MeteringServiceFixture fixture) => _fixture = fixture;

    [Fact]
    public async Task StreamReceipts_ChainTheBytesSent_AcrossReconnects()
    {
        var (hostId, key) = await _fixture.NewHostAsync("receipts");
        var first = new[]
        {
            IngestCalls.Batch("gw-r", 1, Rpc.Record("m", 10)),
            IngestCalls.Batch("gw-r", 2, Rpc.Record("BAD MODEL", 1)),
            IngestCalls.Batch("gw-r", 3, Rpc.Record("m", 30), Rpc.Record("n", 3)),
        };

        var one = await IngestCalls.StreamAsync(_fixture.Channel, key, first);

        Assert.Equal([IngestResult.Accepted, IngestResult.Rejected, IngestResult.Accepted], one.Acks.Select(a => a.Result));
        var head = ReceiptChain.Origin(hostId, "gw-r");
        for (var i = 0; i < first.Length; i++)
        {
            head = AssertReceipt(one.Acks[i].Receipt, head, first[i], one.Acks[i].Result);
        }

        // A reconnect resends 1 and 3 (acks lost) and goes on with 4.
        var fourth = IngestCalls.Batch("gw-r", 4, Rpc.Record("m", 40));
        var two = await IngestCalls.StreamAsync(_fixture.Channel, key, [first[0], first[2], fourth]);

        Assert.Equal([IngestResult.Duplicate, IngestResult.Duplicate, IngestResult.Accepted], two.Acks.Select(a => a.Result));
        Assert.Null(two.Acks[0].Receipt);
        Assert.Equal(one.Acks[2].Receipt, two.Acks[1].Receipt);
        AssertReceipt(two.Acks[2].Receipt, head, fourth, IngestResult.Accepted);
    }

    [Fact]
    public async Task ReportUsageReceipt_IsOneLinkFromTheKey_ADuplicateGetsTheOriginal()
    {
        var (hostId, key) = await _fixture.NewHostAsync("receipts-unary");
        var client = _fixture.Channel.Ingest();
        var request = new ReportUsageRequest { IdempotencyKey = "k-1", Records = { Rpc.Record("m", 5) } };
        var bad = new ReportUsageRequest { IdempotencyKey = "k-2", Records = { Rpc.Record("BAD MODEL", 5) } };

        var accepted = await client.ReportUsageAsync(request, Rpc.As(key));
        var duplicate = await client.ReportUsageAsync(request, Rpc.As(key));
        var rejected = await client.ReportUsageAsync(bad, Rpc.As(key));

        var origin = ReceiptChain.KeyOrigin(hostId, "k-1");
        var sha = SHA256.HashData(request.ToByteArray());
        Assert.Equal((IngestResult.Accepted, 0UL), (accepted.Receipt.Result, accepted.Receipt.Sequence));
        Assert.Equal(sha, accepted.Receipt.RequestSha256.ToByteArray());
        Assert.Equal(ReceiptChain.Next(origin, 0, IngestResult.Accepted, sha), accepted.Receipt.Chain.ToByteArray());
        Assert.Equal(IngestResult.Duplicate, duplicate.Result);
        Assert.Equal(accepted.Receipt, duplicate.Receipt);
        var badSha = SHA256.HashData(bad.ToByteArray());
        Assert.Equal(IngestResult.Rejected, rejected.Receipt.Result);
        Assert.Equal(ReceiptChain.Next(ReceiptChain.KeyOrigin(hostId, "k-2"), 0, IngestResult.Rejected, badSha), rejected.Receipt.Chain.ToByteArray());
    }

    /// <summary>Checks a receipt against the chain computed here from the bytes sent; returns the new head.</summary>
    private static byte[] AssertReceipt(Receipt receipt, byte[] previous, StreamUsageRequest sent, IngestResult result)
    {
        var sha = SHA256.HashData(sent.ToByteArray());
        var expected = ReceiptChain.Next(previous, sent.Sequence, result, sha);
        Assert.Equal((sent.Sequence, result), (receipt.Sequence, receipt.Result));
        Assert.Equal(sha, receipt.RequestSha256.ToByteArray());
        Assert.Equal(expected, receipt.Chain.ToByteArray());
        return expected;
    }
}
