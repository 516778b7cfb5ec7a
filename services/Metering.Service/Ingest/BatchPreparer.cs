using Google.Protobuf.Collections;
using Metering.Contracts.V1;
using Metering.Domain.Ingest;

namespace Metering.Service.Ingest;

/// <summary>Maps received records to the domain: validates every record and sums the valid batch per bucket.</summary>
internal sealed class BatchPreparer
{
    private readonly UsageRecordValidator _validator;
    private readonly TimeProvider _time;

    public BatchPreparer(UsageRecordValidator validator, TimeProvider time)
    {
        _validator = validator;
        _time = time;
    }

    /// <summary>The records of a unary request, as the stream path receives them.</summary>
    public static ReceivedRecord[] Receive(RepeatedField<UsageRecord> records)
    {
        var received = new ReceivedRecord[records.Count];
        for (var i = 0; i < received.Length; i++)
        {
            var record = records[i];
            received[i] = new ReceivedRecord
            {
                Model = record.Model,
                InputTokens = record.InputTokens,
                OutputTokens = record.OutputTokens,
                Requests = record.Requests,
                BilledMicros = record.BilledMicros,
                HasBilledMicros = record.HasBilledMicros,
                HasEventTime = record.EventTime is not null,
                EventTimeSeconds = record.EventTime?.Seconds ?? 0,
                EventTimeNanos = record.EventTime?.Nanos ?? 0,
            };
        }

        return received;
    }

    /// <summary>
    /// Validates and sums <paramref name="records"/>; <paramref name="recordCount"/> is how many the message carried
    /// (more than the records given when the parser stopped keeping them).
    /// </summary>
    public PreparedBatch Prepare(ReadOnlySpan<ReceivedRecord> records, int recordCount)
    {
        List<Violation>? violations = null;
        var countViolation = _validator.CheckRecordCount(recordCount);
        if (countViolation is not null)
        {
            return new PreparedBatch([], 0, [countViolation]);
        }

        var now = _time.GetUtcNow().UtcDateTime;
        var aggregator = new BatchAggregator();
        string? lastValidModel = null;
        for (var i = 0; i < records.Length; i++)
        {
            ref readonly var record = ref records[i];
            if (record.HasEventTime && record.EventTimeNanos is < 0 or > 999_999_999)
            {
                violations ??= [];
                violations.Add(new Violation($"records[{i}].event_time", ViolationReasons.EventTimeInvalid, "event_time has nanos outside 0..999,999,999"));
                continue;
            }

            long? eventTime = record.HasEventTime ? record.EventTimeSeconds : null;
            long? billed = record.HasBilledMicros ? record.BilledMicros : null;

            // Names read from request bytes are shared instances: one already found valid needs no second look.
            var modelKnownValid = ReferenceEquals(record.Model, lastValidModel);
            if (_validator.Validate(i, record.Model, modelKnownValid, record.InputTokens, record.OutputTokens, record.Requests, billed, eventTime, now, ref violations) && violations is null)
            {
                lastValidModel = record.Model;
                aggregator.Add(record.Model, eventTime!.Value, record.InputTokens, record.OutputTokens, record.Requests, billed ?? 0);
            }
        }

        return violations is not null
            ? new PreparedBatch([], 0, violations)
            : new PreparedBatch(aggregator.ToDeltas(), aggregator.RecordCount, null);
    }
}
