using Google.Rpc;
using Grpc.Core;
using Metering.Contracts.V1;
using Xunit;
using static Metering.Tests.Interop.InteropUsage;

namespace Metering.Tests.Interop;

/// <summary>
/// Debian's python3-grpcio, with stubs generated here by Debian's protoc (libprotoc 3.5.1), as the client of the
/// metering service: ingest, dedup, gaps and rejections, the unary path, queries and rich errors, decoded in Python.
/// </summary>
public sealed class PythonClientTests : IClassFixture<MeteringInteropFixture>
{
    private readonly MeteringInteropFixture _service;

    public PythonClientTests(MeteringInteropFixture service) => _service = service;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task StreamUsage_SeveralBatches_AcceptedInOrder(bool tls)
    {
        var (_, key) = await _service.NewHostAsync(tls);
        var results = await _service.Python(tls).RunAsync(
            key,
            PythonCall.StreamUsage(
                Batch("gw-1", 1, Record("model-a", input: 10, output: 20, requests: 1), Record("model-b", input: 1, requests: 1)),
                Batch("gw-1", 2, Record("model-a", input: 5, requests: 1, billedMicros: 1_500_000)),
                Batch("gw-1", 3, Record("model-a", output: 7), Record("model-b", output: 3), Record("model-c", requests: 2))),
            PythonCall.GetUsage(ByModel()));

        var stream = results[0];
        Assert.True(stream.Code == StatusCode.OK, stream.ToString());
        var acks = stream.ResponsesOf<StreamUsageResponse>();
        Assert.Equal([1UL, 2UL, 3UL], acks.Select(a => a.Sequence));
        Assert.All(acks, a => Assert.Equal(IngestResult.Accepted, a.Result));
        Assert.Equal([2L, 1L, 3L], acks.Select(a => a.RecordsAccepted));
        Assert.All(acks, a => Assert.Empty(a.Violations));

        var usage = results[1];
        Assert.True(usage.Code == StatusCode.OK, usage.ToString());
        Assert.Equal(
            [("model-a", 15L, 27L, 2L, 1_500_000L), ("model-b", 1L, 3L, 1L, 0L), ("model-c", 0L, 0L, 2L, 0L)],
            Totals(usage.ResponsesOf<GetUsageResponse>().Single()));
    }

    [Fact]
    public async Task StreamUsage_Receipts_AreTheChainPythonComputesFromTheBytesItSent()
    {
        var (hostId, key) = await _service.NewHostAsync();
        var results = await _service.Python(tls: false).RunAsync(
            key,
            PythonCall.StreamUsageCheckingReceipts(
                hostId,
                "py-gw",
                Batch("py-gw", 1, Record("model-a", input: 10, requests: 1), Record("model-b", output: 3)),
                Batch("py-gw", 2, Record("NOT A MODEL", input: 1)),
                Batch("py-gw", 3, Record("model-a", input: 5, requests: 1, billedMicros: 1_500_000))));

        var stream = results[0];
        Assert.True(stream.Code == StatusCode.OK, stream.ToString());
        var acks = stream.ResponsesOf<StreamUsageResponse>();
        Assert.Equal([IngestResult.Accepted, IngestResult.Rejected, IngestResult.Accepted], acks.Select(a => a.Result));
        Assert.Equal(3, stream.OwnChain.Count);
        for (var i = 0; i < acks.Count; i++)
        {
            var receipt = acks[i].Receipt;
            var own = stream.OwnChain[i];
            Assert.Equal((own.Sequence, acks[i].Result), (receipt.Sequence, receipt.Result));
            Assert.Equal(own.RequestSha256, Convert.ToHexStringLower(receipt.RequestSha256.Span));
            Assert.Equal(own.Chain, Convert.ToHexStringLower(receipt.Chain.Span));
        }
    }

    [Fact]
    public async Task StreamUsage_BatchResentOnANewStream_IsDuplicateAndCountedOnce()
    {
        var (_, key) = await _service.NewHostAsync();
        var results = await _service.Python(tls: false).RunAsync(
            key,
            PythonCall.StreamUsage(Batch("gw-1", 1, Record("model-a", input: 1)), Batch("gw-1", 2, Record("model-a", input: 10))),
            PythonCall.StreamUsage(Batch("gw-1", 2, Record("model-a", input: 10)), Batch("gw-1", 3, Record("model-a", input: 100))),
            PythonCall.GetUsage(ByModel()));

        Assert.All(results, r => Assert.True(r.Code == StatusCode.OK, r.ToString()));
        var resent = results[1].ResponsesOf<StreamUsageResponse>();
        Assert.Equal([(2UL, IngestResult.Duplicate, 0L), (3UL, IngestResult.Accepted, 1L)], resent.Select(a => (a.Sequence, a.Result, a.RecordsAccepted)));
        Assert.Equal([("model-a", 111L, 0L, 0L, 0L)], Totals(results[2].ResponsesOf<GetUsageResponse>().Single()));
    }

    [Fact]
    public async Task StreamUsage_SequenceGap_EndsWithFailedPreconditionCarryingSequenceGapErrorInfo()
    {
        var (_, key) = await _service.NewHostAsync();
        var results = await _service.Python(tls: false).RunAsync(
            key,
            PythonCall.StreamUsage(Batch("gw-1", 1, Record("model-a", input: 1)), Batch("gw-1", 3, Record("model-a", input: 1000))),
            PythonCall.GetUsage(ByModel()));

        var stream = results[0];
        Assert.Equal(StatusCode.FailedPrecondition, stream.Code);
        Assert.Equal("FAILED_PRECONDITION", stream.CodeName);
        Assert.Contains("expected sequence 2", stream.Message, StringComparison.Ordinal);
        Assert.Equal([(1UL, IngestResult.Accepted)], stream.ResponsesOf<StreamUsageResponse>().Select(a => (a.Sequence, a.Result)));

        // grpc-status-details-bin as grpcio received it and the Python stubs decoded it.
        Assert.NotNull(stream.Details);
        Assert.Equal((int)StatusCode.FailedPrecondition, stream.Details.Code);
        Assert.Equal(stream.Message, stream.Details.Message);
        var detail = Assert.Single(stream.Details.Details);
        Assert.Equal("type.googleapis.com/google.rpc.ErrorInfo", detail.TypeUrl);
        var info = detail.Unpack<ErrorInfo>();
        Assert.Equal("SEQUENCE_GAP", info.Reason);
        Assert.Equal("metering.v1", info.Domain);
        Assert.Equal(new Dictionary<string, string> { ["expected_sequence"] = "2" }, info.Metadata);

        Assert.Equal([("model-a", 1L, 0L, 0L, 0L)], Totals(results[1].ResponsesOf<GetUsageResponse>().Single()));
    }

    [Fact]
    public async Task StreamUsage_InvalidBatch_IsRejectedWithEveryViolationAndTheStreamGoesOn()
    {
        var (_, key) = await _service.NewHostAsync();
        var results = await _service.Python(tls: false).RunAsync(
            key,
            PythonCall.StreamUsage(
                Batch("gw-1", 1, Record("bad model!", input: 1), Record("model-a"), Record("model-a", input: 1, withEventTime: false), Record("model-a", input: 1000)),
                Batch("gw-1", 2, Record("model-a", input: 2))),
            PythonCall.GetUsage(ByModel()));

        Assert.True(results[0].Code == StatusCode.OK, results[0].ToString());
        var acks = results[0].ResponsesOf<StreamUsageResponse>();
        Assert.Equal([(1UL, IngestResult.Rejected, 0L), (2UL, IngestResult.Accepted, 1L)], acks.Select(a => (a.Sequence, a.Result, a.RecordsAccepted)));
        Assert.Equal(
            [("records[0].model", "MODEL_INVALID"), ("records[1].input_tokens", "NO_POSITIVE_COUNTER"), ("records[2].event_time", "EVENT_TIME_MISSING")],
            acks[0].Violations.Select(v => (v.Field, v.Reason)));
        Assert.All(acks[0].Violations, v => Assert.False(string.IsNullOrWhiteSpace(v.Description)));
        Assert.Equal([("model-a", 2L, 0L, 0L, 0L)], Totals(results[1].ResponsesOf<GetUsageResponse>().Single()));
    }

    [Fact]
    public async Task ReportUsage_SameIdempotencyKeyTwice_AcceptedThenDuplicate()
    {
        var (_, key) = await _service.NewHostAsync();
        var request = new ReportUsageRequest { IdempotencyKey = "batch-" + Guid.NewGuid(), Records = { Record("model-a", input: 4, output: 5, requests: 1, billedMicros: 42), Record("model-b", requests: 3) } };
        var results = await _service.Python(tls: false).RunAsync(key, PythonCall.ReportUsage(request), PythonCall.ReportUsage(request), PythonCall.GetUsage(ByModel()));

        Assert.All(results, r => Assert.True(r.Code == StatusCode.OK, r.ToString()));
        Assert.Equal(
            [(IngestResult.Accepted, 2L), (IngestResult.Duplicate, 0L)],
            results.Take(2).Select(r => r.ResponsesOf<ReportUsageResponse>().Single()).Select(r => (r.Result, r.RecordsAccepted)));
        Assert.Equal([("model-a", 4L, 5L, 1L, 42L), ("model-b", 0L, 0L, 3L, 0L)], Totals(results[2].ResponsesOf<GetUsageResponse>().Single()));
    }

    [Fact]
    public async Task GetUsage_EndTimeBeforeStartTime_IsInvalidArgumentWithBadRequestNamingEndTime()
    {
        var (_, key) = await _service.NewHostAsync();
        var query = ByModel();
        (query.StartTime, query.EndTime) = (query.EndTime, query.StartTime);
        var result = (await _service.Python(tls: false).RunAsync(key, PythonCall.GetUsage(query))).Single();

        Assert.Equal(StatusCode.InvalidArgument, result.Code);
        Assert.Empty(result.Responses);
        Assert.NotNull(result.Details);
        Assert.Equal((int)StatusCode.InvalidArgument, result.Details.Code);
        var detail = Assert.Single(result.Details.Details);
        Assert.Equal("type.googleapis.com/google.rpc.BadRequest", detail.TypeUrl);
        var violation = Assert.Single(detail.Unpack<BadRequest>().FieldViolations);
        Assert.Equal("end_time", violation.Field);
        Assert.Contains("start_time", violation.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Calls_WithoutKey_AreUnauthenticatedAndCountNothing()
    {
        var (_, key) = await _service.NewHostAsync();
        var python = _service.Python(tls: false);
        var anonymous = await python.RunAsync(
            key: null,
            PythonCall.StreamUsage(Batch("gw-1", 1, Record("model-a", input: 1))),
            PythonCall.ReportUsage(new ReportUsageRequest { IdempotencyKey = "k-1", Records = { Record("model-a", input: 1) } }),
            PythonCall.GetUsage(ByModel()));

        Assert.All(anonymous, r =>
        {
            Assert.Equal(StatusCode.Unauthenticated, r.Code);
            Assert.Equal("UNAUTHENTICATED", r.CodeName);
            Assert.Empty(r.Responses);
        });

        // The same producer's first batch is still expected: nothing of the anonymous stream was applied.
        var after = await python.RunAsync(key, PythonCall.StreamUsage(Batch("gw-1", 1, Record("model-a", input: 3))), PythonCall.GetUsage(ByModel()));
        Assert.Equal(IngestResult.Accepted, after[0].ResponsesOf<StreamUsageResponse>().Single().Result);
        Assert.Equal([("model-a", 3L, 0L, 0L, 0L)], Totals(after[1].ResponsesOf<GetUsageResponse>().Single()));
    }
}
