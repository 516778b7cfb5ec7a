using Metering.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Metering.Testing;
using Metering.Tests.Infrastructure;
using Xunit;

namespace Metering.Tests.Ingest;

/// <summary>
/// Every validation rule of docs/wire.md and usage.proto through the real service. A rejected batch is answered
/// REJECTED with each violation's exact path and reason, applies nothing, consumes its sequence (the next one is
/// ACCEPTED on the same stream); stream-level errors end the call with INVALID_ARGUMENT naming the field.
/// </summary>
public sealed class ValidationTests : IClassFixture<MeteringServiceFixture>
{
    private const long MaxCounter = 1_000_000_000_000;
    private const string AllowedModelChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:/-";

    private readonly MeteringServiceFixture _fixture;

    public ValidationTests(MeteringServiceFixture fixture) => _fixture = fixture;

    public enum BadRecord
    {
        ModelEmpty,
        Model129Chars,
        ModelWithSpace,
        ModelWithAt,
        ModelWithBrace,
        ModelNonAscii,
        ModelWithNewline,
        InputNegative,
        OutputNegative,
        RequestsNegative,
        BilledNegative,
        InputAboveMax,
        OutputAboveMax,
        RequestsAboveMax,
        BilledAboveMax,
        AllCountersZero,
        EventTimeMissing,
        EventTimeNanosOutOfRange,
        EventTimeOlderThan35Days,
        EventTimeMoreThan5MinutesAhead,
    }

    public static TheoryData<BadRecord, string, string> BadRecords() => new()
    {
        { BadRecord.ModelEmpty, "model", "MODEL_INVALID" },
        { BadRecord.Model129Chars, "model", "MODEL_INVALID" },
        { BadRecord.ModelWithSpace, "model", "MODEL_INVALID" },
        { BadRecord.ModelWithAt, "model", "MODEL_INVALID" },
        { BadRecord.ModelWithBrace, "model", "MODEL_INVALID" },
        { BadRecord.ModelNonAscii, "model", "MODEL_INVALID" },
        { BadRecord.ModelWithNewline, "model", "MODEL_INVALID" },
        { BadRecord.InputNegative, "input_tokens", "COUNTER_OUT_OF_RANGE" },
        { BadRecord.OutputNegative, "output_tokens", "COUNTER_OUT_OF_RANGE" },
        { BadRecord.RequestsNegative, "requests", "COUNTER_OUT_OF_RANGE" },
        { BadRecord.BilledNegative, "billed_micros", "COUNTER_OUT_OF_RANGE" },
        { BadRecord.InputAboveMax, "input_tokens", "COUNTER_OUT_OF_RANGE" },
        { BadRecord.OutputAboveMax, "output_tokens", "COUNTER_OUT_OF_RANGE" },
        { BadRecord.RequestsAboveMax, "requests", "COUNTER_OUT_OF_RANGE" },
        { BadRecord.BilledAboveMax, "billed_micros", "COUNTER_OUT_OF_RANGE" },
        { BadRecord.AllCountersZero, "input_tokens", "NO_POSITIVE_COUNTER" },
        { BadRecord.EventTimeMissing, "event_time", "EVENT_TIME_MISSING" },
        { BadRecord.EventTimeNanosOutOfRange, "event_time", "EVENT_TIME_INVALID" },
        { BadRecord.EventTimeOlderThan35Days, "event_time", "EVENT_TIME_TOO_OLD" },
        { BadRecord.EventTimeMoreThan5MinutesAhead, "event_time", "EVENT_TIME_IN_FUTURE" },
    };

    [Theory]
    [MemberData(nameof(BadRecords))]
    public async Task BatchWithOneInvalidRecord_IsRejectedWithItsPathAndReason_AppliesNothing_AndTheStreamGoesOn(BadRecord bad, string field, string reason)
    {
        var (hostId, key) = await _fixture.NewHostAsync("val-record");
        var before = await _fixture.TotalsAsync(hostId);
        var records = new[] { Valid("m", 100), MakeBad(bad), Valid("m", 200) };

        var outcome = await IngestCalls.StreamAsync(_fixture.Channel, key, [IngestCalls.Batch("gw", 1, records), IngestCalls.Batch("gw", 2, Valid("after", 7))]);

        Assert.Equal(StatusCode.OK, outcome.Status);
        Assert.Equal(2, outcome.Acks.Count);
        AssertRejected(outcome.Acks[0], 1, ($"records[1].{field}", reason));
        AssertAccepted(outcome.Acks[1], 2, 1);
        var after = await _fixture.TotalsAsync(hostId);
        Assert.Equal(0, before.InputTokens);
        Assert.Equal(7, after.InputTokens);
        Assert.Equal(1, after.Requests);
        Assert.Equal(0, after.BilledMicros);
    }

    [Fact]
    public async Task RecordsAtEveryLimit_AreAccepted_AndCountedExactly()
    {
        var (hostId, key) = await _fixture.NewHostAsync("val-limits");
        var model128 = string.Concat(Enumerable.Repeat(AllowedModelChars, 2))[..128];
        var now = DateTime.UtcNow;
        var records = new[]
        {
            Valid(model128, 1),
            Valid("max-counters", MaxCounter, MaxCounter, MaxCounter, billed: MaxCounter),
            Valid("only-output", 0, output: 5, requests: 0),
            Valid("only-requests", 0, output: 0, requests: 3),
            Valid("zero-billed", 2, billed: 0),
            Valid("ahead-4-minutes", 4, at: now.AddMinutes(4)),
            Valid("old-35-days", 6, at: now.AddDays(-35).AddMinutes(5)),
        };

        var outcome = await IngestCalls.StreamAsync(_fixture.Channel, key, [IngestCalls.Batch("gw", 1, records)]);

        Assert.Equal(StatusCode.OK, outcome.Status);
        AssertAccepted(Assert.Single(outcome.Acks), 1, records.Length);
        var totals = await Rpc.TotalsByModelAsync(_fixture.Channel, key);
        Assert.Equal(records.Length, totals.Count);
        Assert.Equal(1, totals[model128].InputTokens);
        Assert.Equal(MaxCounter, totals["max-counters"].InputTokens);
        Assert.Equal(MaxCounter, totals["max-counters"].OutputTokens);
        Assert.Equal(MaxCounter, totals["max-counters"].Requests);
        Assert.Equal(MaxCounter, totals["max-counters"].BilledMicros);
        Assert.Equal(5, totals["only-output"].OutputTokens);
        Assert.Equal(3, totals["only-requests"].Requests);
        Assert.Equal(4, totals["ahead-4-minutes"].InputTokens);
        Assert.Equal(6, totals["old-35-days"].InputTokens);
        Assert.Equal(MaxCounter + 1 + 2 + 4 + 6, (await _fixture.TotalsAsync(hostId)).InputTokens);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10_001)]
    public async Task RecordCountOutOfRange_IsRejectedOnRecords_AndTheStreamGoesOn(int count)
    {
        var (hostId, key) = await _fixture.NewHostAsync("val-count");
        var records = Enumerable.Range(0, count).Select(_ => Valid("m", 1)).ToArray();

        var outcome = await IngestCalls.StreamAsync(_fixture.Channel, key, [IngestCalls.Batch("gw", 1, records), IngestCalls.Batch("gw", 2, Valid("m", 9))]);

        Assert.Equal(StatusCode.OK, outcome.Status);
        AssertRejected(outcome.Acks[0], 1, ("records", "RECORD_COUNT_OUT_OF_RANGE"));
        AssertAccepted(outcome.Acks[1], 2, 1);
        Assert.Equal(9, (await _fixture.TotalsAsync(hostId)).InputTokens);
    }

    [Fact]
    public async Task TenThousandRecords_AreAcceptedWhole()
    {
        var (hostId, key) = await _fixture.NewHostAsync("val-10k");
        var records = Enumerable.Range(0, 10_000).Select(i => Valid("m" + (i % 7), 3, output: 1)).ToArray();

        var outcome = await IngestCalls.StreamAsync(_fixture.Channel, key, [IngestCalls.Batch("gw", 1, records)]);

        Assert.Equal(StatusCode.OK, outcome.Status);
        AssertAccepted(Assert.Single(outcome.Acks), 1, 10_000);
        var totals = await _fixture.TotalsAsync(hostId);
        Assert.Equal(30_000, totals.InputTokens);
        Assert.Equal(10_000, totals.OutputTokens);
        Assert.Equal(10_000, totals.Requests);
    }

    [Fact]
    public async Task SeveralInvalidRecords_AreEachListed_AndNothingIsApplied()
    {
        var (hostId, key) = await _fixture.NewHostAsync("val-many");
        var twoProblems = Valid("m", -5, output: MaxCounter + 1);
        var records = new[]
        {
            Valid("good", 10),
            MakeBad(BadRecord.ModelWithSpace),
            Valid("good", 20),
            twoProblems,
            MakeBad(BadRecord.EventTimeMissing),
            MakeBad(BadRecord.AllCountersZero),
            MakeBad(BadRecord.EventTimeMoreThan5MinutesAhead),
            Valid("good", 30),
        };

        var outcome = await IngestCalls.StreamAsync(_fixture.Channel, key, [IngestCalls.Batch("gw", 1, records), IngestCalls.Batch("gw", 2, Valid("good", 1))]);

        Assert.Equal(StatusCode.OK, outcome.Status);
        AssertRejected(
            outcome.Acks[0],
            1,
            ("records[1].model", "MODEL_INVALID"),
            ("records[3].input_tokens", "COUNTER_OUT_OF_RANGE"),
            ("records[3].output_tokens", "COUNTER_OUT_OF_RANGE"),
            ("records[4].event_time", "EVENT_TIME_MISSING"),
            ("records[5].input_tokens", "NO_POSITIVE_COUNTER"),
            ("records[6].event_time", "EVENT_TIME_IN_FUTURE"));
        AssertAccepted(outcome.Acks[1], 2, 1);
        Assert.Equal(1, (await _fixture.TotalsAsync(hostId)).InputTokens);
    }

    public static TheoryData<string, ulong> BadFirstMessages() => new()
    {
        { string.Empty, 1 },
        { "gw 1", 1 },
        { new string('p', 129), 1 },
        { "gw-ok", 0 },
    };

    [Theory]
    [MemberData(nameof(BadFirstMessages))]
    public async Task InvalidProducerIdOrSequenceZero_EndsTheStreamWithInvalidArgumentNamingTheField(string producerId, ulong sequence)
    {
        var (hostId, key) = await _fixture.NewHostAsync("val-stream");

        var outcome = await IngestCalls.StreamAsync(_fixture.Channel, key, [IngestCalls.Batch(producerId, sequence, Valid("m", 5)), IngestCalls.Batch(producerId, sequence + 1, Valid("m", 5))]);

        Assert.Equal(StatusCode.InvalidArgument, outcome.Status);
        Assert.Empty(outcome.Acks);
        Assert.Equal(sequence == 0 ? "sequence" : "producer_id", outcome.SingleFieldViolation().Field);
        Assert.Equal(0, (await _fixture.TotalsAsync(hostId)).InputTokens);
    }

    [Fact]
    public async Task ProducerIdChangingMidStream_AcksWhatCameBefore_ThenEndsWithInvalidArgumentOnProducerId()
    {
        var (hostId, key) = await _fixture.NewHostAsync("val-switch");

        var outcome = await IngestCalls.StreamAsync(_fixture.Channel, key, [
            IngestCalls.Batch("gw-a", 1, Valid("m", 5)),
            IngestCalls.Batch("gw-a", 2, Valid("m", 6)),
            IngestCalls.Batch("gw-b", 3, Valid("m", 1000)),
            IngestCalls.Batch("gw-a", 3, Valid("m", 1000)),
        ]);

        Assert.Equal(StatusCode.InvalidArgument, outcome.Status);
        Assert.Equal("producer_id", outcome.SingleFieldViolation().Field);
        Assert.Equal(2, outcome.Acks.Count);
        AssertAccepted(outcome.Acks[0], 1, 1);
        AssertAccepted(outcome.Acks[1], 2, 1);
        Assert.Equal(11, (await _fixture.TotalsAsync(hostId)).InputTokens);

        // gw-a's next sequence is still 3: nothing of the refused messages was consumed.
        var resumed = await IngestCalls.StreamAsync(_fixture.Channel, key, [IngestCalls.Batch("gw-a", 3, Valid("m", 1))]);
        AssertAccepted(Assert.Single(resumed.Acks), 3, 1);
        Assert.Equal(12, (await _fixture.TotalsAsync(hostId)).InputTokens);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("tab\tkey")]
    [InlineData("clé")]
    [InlineData("129")]
    public async Task ReportUsage_MissingOrMalformedIdempotencyKey_IsInvalidArgumentOnIdempotencyKey(string idempotencyKey)
    {
        var (hostId, key) = await _fixture.NewHostAsync("val-idem");
        idempotencyKey = idempotencyKey == "129" ? new string('k', 129) : idempotencyKey;

        var ex = await Assert.ThrowsAsync<RpcException>(() => Report(key, idempotencyKey, Valid("m", 5)));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal("idempotency_key", Assert.Single(IngestCalls.FieldViolations(ex)).Field);
        Assert.Equal(0, (await _fixture.TotalsAsync(hostId)).InputTokens);
    }

    [Fact]
    public async Task ReportUsage_SameKeyAndRecords_IsDuplicateAndChangesNothing()
    {
        var (hostId, key) = await _fixture.NewHostAsync("val-dup");
        var idempotencyKey = "!" + new string('~', 127);
        var records = new[] { Valid("m", 5), Valid("n", 7, billed: 3) };

        var first = await Report(key, idempotencyKey, records);
        var second = await Report(key, idempotencyKey, records);

        Assert.Equal(IngestResult.Accepted, first.Result);
        Assert.Equal(2, first.RecordsAccepted);
        Assert.Equal(IngestResult.Duplicate, second.Result);
        Assert.Equal(0, second.RecordsAccepted);
        Assert.Empty(second.Violations);
        var totals = await _fixture.TotalsAsync(hostId);
        Assert.Equal(12, totals.InputTokens);
        Assert.Equal(3, totals.BilledMicros);
    }

    [Fact]
    public async Task ReportUsage_SameKeyDifferentRecords_IsAlreadyExistsOnIdempotencyKey_AndChangesNothing()
    {
        var (hostId, key) = await _fixture.NewHostAsync("val-reuse");
        var records = new[] { Valid("m", 5) };
        await Report(key, "order-1", records);

        var ex = await Assert.ThrowsAsync<RpcException>(() => Report(key, "order-1", Valid("m", 500)));

        Assert.Equal(StatusCode.AlreadyExists, ex.StatusCode);
        Assert.Equal("idempotency_key", Assert.Single(IngestCalls.FieldViolations(ex)).Field);
        Assert.Equal(5, (await _fixture.TotalsAsync(hostId)).InputTokens);
        Assert.Equal(IngestResult.Duplicate, (await Report(key, "order-1", records)).Result);
    }

    [Fact]
    public async Task ReportUsage_RejectedRequest_DoesNotConsumeItsKey()
    {
        var (hostId, key) = await _fixture.NewHostAsync("val-reject-key");

        var good = Valid("m", 5);
        var rejected = await Report(key, "retry-me", good, MakeBad(BadRecord.InputNegative));
        var accepted = await Report(key, "retry-me", good);
        var duplicate = await Report(key, "retry-me", good);

        AssertRejected(rejected, ("records[1].input_tokens", "COUNTER_OUT_OF_RANGE"));
        Assert.Equal(IngestResult.Accepted, accepted.Result);
        Assert.Equal(1, accepted.RecordsAccepted);
        Assert.Equal(IngestResult.Duplicate, duplicate.Result);
        Assert.Equal(5, (await _fixture.TotalsAsync(hostId)).InputTokens);
    }

    [Fact]
    public async Task ReportUsage_SameKeyOnTwoHosts_IsAcceptedForEach()
    {
        var (hostA, keyA) = await _fixture.NewHostAsync("val-scope");
        var (hostB, keyB) = await _fixture.NewHostAsync("val-scope");

        Assert.Equal(IngestResult.Accepted, (await Report(keyA, "shared", Valid("m", 1))).Result);
        Assert.Equal(IngestResult.Accepted, (await Report(keyB, "shared", Valid("m", 2))).Result);

        Assert.Equal(1, (await _fixture.TotalsAsync(hostA)).InputTokens);
        Assert.Equal(2, (await _fixture.TotalsAsync(hostB)).InputTokens);
    }

    private Task<ReportUsageResponse> Report(string key, string idempotencyKey, params UsageRecord[] records)
        => _fixture.Channel.Ingest().ReportUsageAsync(new ReportUsageRequest { IdempotencyKey = idempotencyKey, Records = { records } }, Rpc.As(key)).ResponseAsync;

    private static UsageRecord Valid(string model, long input, long output = 0, long requests = 1, DateTime? at = null, long? billed = null)
        => Rpc.Record(model, input, output, requests, at, billed);

    private static UsageRecord MakeBad(BadRecord bad)
    {
        var now = DateTime.UtcNow;
        return bad switch
        {
            BadRecord.ModelEmpty => Valid(string.Empty, 1),
            BadRecord.Model129Chars => Valid(new string('m', 129), 1),
            BadRecord.ModelWithSpace => Valid("llama 3", 1),
            BadRecord.ModelWithAt => Valid("llama@3", 1),
            BadRecord.ModelWithBrace => Valid("{host}", 1),
            BadRecord.ModelNonAscii => Valid("llamä", 1),
            BadRecord.ModelWithNewline => Valid("llama\n3", 1),
            BadRecord.InputNegative => Valid("m", -1),
            BadRecord.OutputNegative => Valid("m", 1, output: -1),
            BadRecord.RequestsNegative => Valid("m", 1, requests: -1),
            BadRecord.BilledNegative => Valid("m", 1, billed: -1),
            BadRecord.InputAboveMax => Valid("m", MaxCounter + 1),
            BadRecord.OutputAboveMax => Valid("m", 1, output: MaxCounter + 1),
            BadRecord.RequestsAboveMax => Valid("m", 1, requests: MaxCounter + 1),
            BadRecord.BilledAboveMax => Valid("m", 1, billed: MaxCounter + 1),
            BadRecord.AllCountersZero => Valid("m", 0, output: 0, requests: 0),
            BadRecord.EventTimeMissing => WithoutEventTime(Valid("m", 1)),
            BadRecord.EventTimeNanosOutOfRange => WithNanos(Valid("m", 1), 1_000_000_000),
            BadRecord.EventTimeOlderThan35Days => Valid("m", 1, at: now.AddDays(-35).AddMinutes(-5)),
            BadRecord.EventTimeMoreThan5MinutesAhead => Valid("m", 1, at: now.AddMinutes(6)),
            _ => throw new ArgumentOutOfRangeException(nameof(bad), bad, null),
        };
    }

    private static UsageRecord WithNanos(UsageRecord record, int nanos)
    {
        record.EventTime.Nanos = nanos;
        return record;
    }

    private static UsageRecord WithoutEventTime(UsageRecord record)
    {
        record.EventTime = null;
        return record;
    }

    private static void AssertAccepted(StreamUsageResponse ack, ulong sequence, long records)
    {
        Assert.Equal(sequence, ack.Sequence);
        Assert.Equal(IngestResult.Accepted, ack.Result);
        Assert.Equal(records, ack.RecordsAccepted);
        Assert.Empty(ack.Violations);
    }

    private static void AssertRejected(StreamUsageResponse ack, ulong sequence, params (string Field, string Reason)[] expected)
    {
        Assert.Equal(sequence, ack.Sequence);
        Assert.Equal(IngestResult.Rejected, ack.Result);
        Assert.Equal(0, ack.RecordsAccepted);
        AssertViolations(ack.Violations, expected);
    }

    private static void AssertRejected(ReportUsageResponse response, params (string Field, string Reason)[] expected)
    {
        Assert.Equal(IngestResult.Rejected, response.Result);
        Assert.Equal(0, response.RecordsAccepted);
        AssertViolations(response.Violations, expected);
    }

    private static void AssertViolations(IEnumerable<FieldViolation> actual, (string Field, string Reason)[] expected)
    {
        var list = actual.ToList();
        Assert.All(list, v => Assert.False(string.IsNullOrWhiteSpace(v.Description), $"{v.Field} has no description"));
        Assert.Equal(
            expected.Select(e => $"{e.Field} {e.Reason}").Order(StringComparer.Ordinal),
            list.Select(v => $"{v.Field} {v.Reason}").Order(StringComparer.Ordinal));
    }
}
