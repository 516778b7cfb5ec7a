using Google.Rpc;
using Metering.Contracts.V1;
using Metering.ServiceDefaults;

namespace Metering.Client.Tests.Infrastructure;

/// <summary>
/// An honest in-memory sequencer, as ingest.proto specifies StreamUsage: per (host, producer) the last applied
/// sequence L; n == L + 1 is validated and applied (ACCEPTED) or rejected (REJECTED, sequence consumed); n &lt;= L is
/// DUPLICATE; n &gt; L + 1 is a gap. It also keeps what a test needs to prove exactly-once: totals per model and how
/// many times each sequence was received and applied. Shared by every server instance of a test, like Redis.
/// </summary>
public sealed class IngestLedger
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Host, string Producer), ulong> _last = [];
    private readonly Dictionary<(string Producer, ulong Sequence), int> _applied = [];
    private readonly Dictionary<(string Producer, ulong Sequence), int> _received = [];
    private readonly Dictionary<string, ModelTotals> _totals = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Host, string Key), ReportUsageRequest> _idempotency = [];

    public long RecordsApplied { get { lock (_lock) { return _totals.Values.Sum(t => t.Records); } } }

    public ModelTotals TotalsOf(string model)
    {
        lock (_lock)
        {
            return _totals.TryGetValue(model, out var totals) ? totals with { } : new ModelTotals();
        }
    }

    public IReadOnlyDictionary<string, ModelTotals> Totals()
    {
        lock (_lock)
        {
            return _totals.ToDictionary(p => p.Key, p => p.Value with { }, StringComparer.Ordinal);
        }
    }

    public ulong LastApplied(string host, string producer)
    {
        lock (_lock)
        {
            return _last.GetValueOrDefault((host, producer));
        }
    }

    /// <summary>Times each sequence of <paramref name="producer"/> was applied (ACCEPTED); exactly-once means all 1.</summary>
    public IReadOnlyDictionary<ulong, int> AppliedCounts(string producer)
    {
        lock (_lock)
        {
            return _applied.Where(p => p.Key.Producer == producer).ToDictionary(p => p.Key.Sequence, p => p.Value);
        }
    }

    /// <summary>Times a sequence of <paramref name="producer"/> reached the server (resends included).</summary>
    public int ReceivedCount(string producer, ulong sequence)
    {
        lock (_lock)
        {
            return _received.GetValueOrDefault((producer, sequence));
        }
    }

    /// <summary>Fault injection: the server forgets everything after <paramref name="last"/> (lost state).</summary>
    public void Rewind(string host, string producer, ulong last)
    {
        lock (_lock)
        {
            _last[(host, producer)] = last;
        }
    }

    /// <summary>Applies one stream message; <paramref name="expectedOnGap"/> is set when the outcome is a gap.</summary>
    public StreamUsageResponse? Apply(string host, StreamUsageRequest request, Func<UsageRecord, bool> isInvalid, bool gapInsteadOfDuplicate, out ulong expectedOnGap)
    {
        expectedOnGap = 0;
        lock (_lock)
        {
            var key = (host, request.ProducerId);
            var last = _last.GetValueOrDefault(key);
            var n = request.Sequence;
            _received[(request.ProducerId, n)] = _received.GetValueOrDefault((request.ProducerId, n)) + 1;
            if (n <= last)
            {
                if (gapInsteadOfDuplicate)
                {
                    expectedOnGap = last + 1;
                    return null;
                }

                return new StreamUsageResponse { Sequence = n, Result = IngestResult.Duplicate };
            }

            if (n > last + 1)
            {
                expectedOnGap = last + 1;
                return null;
            }

            _last[key] = n;
            var violations = Validate(request.Records, isInvalid);
            if (violations.Count > 0)
            {
                var rejected = new StreamUsageResponse { Sequence = n, Result = IngestResult.Rejected };
                rejected.Violations.AddRange(violations);
                return rejected;
            }

            AddTotals(request.Records);
            _applied[(request.ProducerId, n)] = _applied.GetValueOrDefault((request.ProducerId, n)) + 1;
            return new StreamUsageResponse { Sequence = n, Result = IngestResult.Accepted, RecordsAccepted = request.Records.Count };
        }
    }

    /// <summary>ReportUsage: deduplicated by idempotency key per host.</summary>
    public ReportUsageResponse Report(string host, ReportUsageRequest request, Func<UsageRecord, bool> isInvalid)
    {
        lock (_lock)
        {
            if (_idempotency.TryGetValue((host, request.IdempotencyKey), out var earlier))
            {
                if (!earlier.Records.Equals(request.Records))
                {
                    throw RpcErrors.InvalidField("idempotency_key", "the key was used with other records", "IDEMPOTENCY_KEY_REUSED");
                }

                return new ReportUsageResponse { Result = IngestResult.Duplicate };
            }

            var violations = Validate(request.Records, isInvalid);
            if (violations.Count > 0)
            {
                var rejected = new ReportUsageResponse { Result = IngestResult.Rejected };
                rejected.Violations.AddRange(violations);
                return rejected;
            }

            _idempotency[(host, request.IdempotencyKey)] = request.Clone();
            AddTotals(request.Records);
            return new ReportUsageResponse { Result = IngestResult.Accepted, RecordsAccepted = request.Records.Count };
        }
    }

    private static List<FieldViolation> Validate(IReadOnlyList<UsageRecord> records, Func<UsageRecord, bool> isInvalid)
    {
        var violations = new List<FieldViolation>();
        if (records.Count is 0 or > 10_000)
        {
            violations.Add(new FieldViolation { Field = "records", Reason = "RECORD_COUNT_OUT_OF_RANGE", Description = "1 to 10,000 records" });
        }

        for (var i = 0; i < records.Count; i++)
        {
            if (isInvalid(records[i]))
            {
                violations.Add(new FieldViolation { Field = $"records[{i}].model", Reason = "MODEL_INVALID", Description = "the test server refuses this model" });
            }
        }

        return violations;
    }

    private void AddTotals(IEnumerable<UsageRecord> records)
    {
        foreach (var record in records)
        {
            if (!_totals.TryGetValue(record.Model, out var totals))
            {
                totals = new ModelTotals();
                _totals[record.Model] = totals;
            }

            totals.Records++;
            totals.InputTokens += record.InputTokens;
            totals.OutputTokens += record.OutputTokens;
            totals.Requests += record.Requests;
            totals.BilledMicros += record.HasBilledMicros ? record.BilledMicros : 0;
        }
    }
}
