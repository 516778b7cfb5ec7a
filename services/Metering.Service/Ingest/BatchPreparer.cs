using Google.Protobuf.Collections;
using Metering.Contracts.V1;
using Metering.Domain.Ingest;

namespace Metering.Service.Ingest;

/// <summary>Maps wire records to the domain: validates every record and sums the valid batch per bucket.</summary>
internal sealed class BatchPreparer
{
    private readonly UsageRecordValidator _validator;
    private readonly TimeProvider _time;

    public BatchPreparer(UsageRecordValidator validator, TimeProvider time)
    {
        _validator = validator;
        _time = time;
    }

    public PreparedBatch Prepare(RepeatedField<UsageRecord> records)
    {
        List<Violation>? violations = null;
        var countViolation = _validator.CheckRecordCount(records.Count);
        if (countViolation is not null)
        {
            return new PreparedBatch([], 0, [countViolation]);
        }

        var now = _time.GetUtcNow().UtcDateTime;
        var aggregator = new BatchAggregator();
        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i];
            long? eventTime = record.EventTime is { } ts ? ts.Seconds : null;
            long? billed = record.HasBilledMicros ? record.BilledMicros : null;
            if (record.EventTime is { } timestamp && (timestamp.Nanos < 0 || timestamp.Nanos > 999_999_999))
            {
                violations ??= [];
                violations.Add(new Violation($"records[{i}].event_time", ViolationReasons.EventTimeInvalid, "event_time has nanos outside 0..999,999,999"));
                continue;
            }

            if (_validator.Validate(i, record.Model, record.InputTokens, record.OutputTokens, record.Requests, billed, eventTime, now, ref violations) && violations is null)
            {
                aggregator.Add(record.Model, eventTime!.Value, record.InputTokens, record.OutputTokens, record.Requests, billed ?? 0);
            }
        }

        return violations is not null
            ? new PreparedBatch([], 0, violations)
            : new PreparedBatch(aggregator.ToDeltas(), aggregator.RecordCount, null);
    }
}
