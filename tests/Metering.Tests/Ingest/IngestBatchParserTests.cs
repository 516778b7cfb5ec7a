using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Metering.Contracts.V1;
using Metering.Service.Ingest;
using Xunit;

namespace Metering.Tests.Ingest;

/// <summary>
/// The hand-written reader of StreamUsageRequest bytes against the generated parser, differentially: for valid
/// messages (with unknown fields, repeated singular fields, split embedded messages) and for thousands of randomly
/// corrupted ones, both must read the same records, or both must refuse the bytes.
/// </summary>
public sealed class IngestBatchParserTests
{
    [Fact]
    public void ValidMessage_ReadsWhatTheGeneratedParserReads()
    {
        var request = new StreamUsageRequest
        {
            ProducerId = "gw-1",
            Sequence = 42,
            Records =
            {
                new UsageRecord { Model = "acme/llama-4:v2", InputTokens = 812, OutputTokens = 164, Requests = 1, BilledMicros = 0, EventTime = Timestamp.FromDateTime(new DateTime(2026, 12, 3, 9, 0, 0, DateTimeKind.Utc)) },
                new UsageRecord { Model = "m", InputTokens = -5, Requests = long.MaxValue },
                new UsageRecord(),
                new UsageRecord { Model = "llamä", EventTime = new Timestamp { Seconds = -1, Nanos = -7 } },
            },
        };

        AssertSameReading(request.ToByteArray());
    }

    [Fact]
    public void UnknownFieldsOfEveryWireType_RepeatedSingularFields_AndSplitEventTimes_ReadAsTheGeneratedParserReads()
    {
        var output = new MemoryStream();
        var writer = new CodedOutputStream(output);
        writer.WriteTag(1, WireFormat.WireType.LengthDelimited);
        writer.WriteString("first");
        writer.WriteTag(2, WireFormat.WireType.Varint);
        writer.WriteUInt64(7);
        writer.WriteTag(99, WireFormat.WireType.Fixed64);
        writer.WriteFixed64(1);
        writer.WriteTag(98, WireFormat.WireType.Fixed32);
        writer.WriteFixed32(1);
        writer.WriteTag(97, WireFormat.WireType.StartGroup);
        writer.WriteTag(1, WireFormat.WireType.Varint);
        writer.WriteInt32(5);
        writer.WriteTag(97, WireFormat.WireType.EndGroup);
        writer.WriteTag(1, WireFormat.WireType.LengthDelimited);
        writer.WriteString("second");
        writer.WriteTag(3, WireFormat.WireType.Varint);
        writer.WriteInt32(3);

        var record = new MemoryStream();
        var inner = new CodedOutputStream(record);
        inner.WriteTag(1, WireFormat.WireType.LengthDelimited);
        inner.WriteString("a");
        inner.WriteTag(2, WireFormat.WireType.Varint);
        inner.WriteInt64(10);
        inner.WriteTag(2, WireFormat.WireType.Varint);
        inner.WriteInt64(20);
        inner.WriteTag(6, WireFormat.WireType.LengthDelimited);
        inner.WriteBytes(new Timestamp { Seconds = 100 }.ToByteString());
        inner.WriteTag(6, WireFormat.WireType.LengthDelimited);
        inner.WriteBytes(new Timestamp { Nanos = 5 }.ToByteString());
        inner.WriteTag(5, WireFormat.WireType.Varint);
        inner.WriteInt64(9);
        inner.WriteTag(50, WireFormat.WireType.LengthDelimited);
        inner.WriteString("unknown");
        inner.Flush();
        writer.WriteTag(3, WireFormat.WireType.LengthDelimited);
        writer.WriteBytes(ByteString.CopyFrom(record.ToArray()));
        writer.Flush();

        var batch = AssertSameReading(output.ToArray());
        Assert.Equal("second", batch.ProducerId);
        var parsed = batch.Records.Span[0];
        Assert.Equal((20L, 100L, 5, true, 9L), (parsed.InputTokens, parsed.EventTimeSeconds, parsed.EventTimeNanos, parsed.HasBilledMicros, parsed.BilledMicros));
    }

    [Fact]
    public void RandomlyCorruptedMessages_AreReadOrRefusedExactlyAsByTheGeneratedParser()
    {
        var random = new Random(20261203);
        var models = new[] { "a", "llama-3.1-70b", "org/m:v1", "x" + new string('y', 40) };
        for (var round = 0; round < 5000; round++)
        {
            var request = new StreamUsageRequest { ProducerId = "gw-" + random.Next(100), Sequence = (ulong)random.NextInt64() };
            for (var r = random.Next(0, 6); r > 0; r--)
            {
                var record = new UsageRecord
                {
                    Model = models[random.Next(models.Length)],
                    InputTokens = random.NextInt64(-1000, 1_000_000),
                    OutputTokens = random.Next(0, 1000),
                    Requests = random.Next(0, 3),
                    EventTime = random.Next(4) == 0 ? null : new Timestamp { Seconds = random.NextInt64(0, 2_000_000_000), Nanos = random.Next(0, 1_000_000_000) },
                };
                if (random.Next(2) == 0)
                {
                    record.BilledMicros = random.NextInt64(0, 1_000_000);
                }

                request.Records.Add(record);
            }

            var bytes = request.ToByteArray();
            for (var flips = random.Next(0, 4); flips > 0 && bytes.Length > 0; flips--)
            {
                switch (random.Next(3))
                {
                    case 0:
                        bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                        break;
                    case 1:
                        bytes = bytes[..random.Next(bytes.Length)];
                        break;
                    default:
                        bytes = [.. bytes, .. Enumerable.Range(0, random.Next(1, 5)).Select(_ => (byte)random.Next(256))];
                        break;
                }
            }

            AssertSameReadingOrRefusal(bytes, round);
        }
    }

    private static IngestBatch AssertSameReading(byte[] bytes)
    {
        var expected = StreamUsageRequest.Parser.ParseFrom(bytes);
        var batch = IngestBatchParser.Parse(bytes);
        AssertEqual(expected, batch, "valid message");
        return batch;
    }

    private static void AssertSameReadingOrRefusal(byte[] bytes, int round)
    {
        StreamUsageRequest? expected = null;
        try
        {
            expected = StreamUsageRequest.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException)
        {
        }

        IngestBatch? actual = null;
        try
        {
            actual = IngestBatchParser.Parse(bytes);
        }
        catch (MalformedMessageException)
        {
        }

        Assert.True((expected is null) == (actual is null), $"round {round}: generated parser {(expected is null ? "refused" : "read")} the bytes, ours {(actual is null ? "refused" : "read")} them: {Convert.ToHexString(bytes)}");
        if (expected is not null)
        {
            using (actual)
            {
                AssertEqual(expected, actual!, $"round {round}");
            }
        }
    }

    private static void AssertEqual(StreamUsageRequest expected, IngestBatch actual, string what)
    {
        Assert.True(expected.ProducerId == actual.ProducerId, $"{what}: producer_id");
        Assert.True(expected.Sequence == actual.Sequence, $"{what}: sequence");
        Assert.True(expected.Records.Count == actual.RecordCount, $"{what}: record count");
        var records = actual.Records.Span;
        for (var i = 0; i < expected.Records.Count; i++)
        {
            var e = expected.Records[i];
            var a = records[i];
            Assert.True(
                (e.Model, e.InputTokens, e.OutputTokens, e.Requests, e.HasBilledMicros, e.BilledMicros, e.EventTime is not null, e.EventTime?.Seconds ?? 0, e.EventTime?.Nanos ?? 0)
                == (a.Model, a.InputTokens, a.OutputTokens, a.Requests, a.HasBilledMicros, a.HasBilledMicros ? a.BilledMicros : 0, a.HasEventTime, a.EventTimeSeconds, a.EventTimeNanos),
                $"{what}: record {i}");
        }
    }
}
