using System.Buffers;
using System.Globalization;

namespace Metering.Domain.Ingest;

/// <summary>
/// The per-record rules of docs/wire.md, "Batch validation"; every problem of a record is reported, not just the first.
/// </summary>
public sealed class UsageRecordValidator
{
    private static readonly SearchValues<char> ModelCharacters = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:/-");

    private readonly IngestLimits _limits;

    public UsageRecordValidator(IngestLimits limits) => _limits = limits;

    public IngestLimits Limits => _limits;

    /// <summary>Checks the record count of a batch; null when it is in range.</summary>
    public Violation? CheckRecordCount(int count)
    {
        if (count >= 1 && count <= _limits.MaxRecordsPerMessage)
        {
            return null;
        }

        return new Violation("records", ViolationReasons.RecordCountOutOfRange, string.Create(CultureInfo.InvariantCulture, $"a batch carries 1 to {_limits.MaxRecordsPerMessage} records, not {count}"));
    }

    /// <summary>
    /// Checks one record; appends its violations to <paramref name="violations"/> (created on first need) and returns
    /// true when the record is valid. <paramref name="eventTimeUnixSeconds"/> is null when event_time is missing.
    /// </summary>
    public bool Validate(int index, string model, long inputTokens, long outputTokens, long requests, long? billedMicros, long? eventTimeUnixSeconds, DateTime nowUtc, ref List<Violation>? violations)
        => Validate(index, model, modelKnownValid: false, inputTokens, outputTokens, requests, billedMicros, eventTimeUnixSeconds, nowUtc, ref violations);

    /// <summary>
    /// As the other overload; <paramref name="modelKnownValid"/> says the caller has already seen this very model name
    /// pass <see cref="IsValidModel"/> (the check is then skipped).
    /// </summary>
    public bool Validate(int index, string model, bool modelKnownValid, long inputTokens, long outputTokens, long requests, long? billedMicros, long? eventTimeUnixSeconds, DateTime nowUtc, ref List<Violation>? violations)
    {
        var valid = true;
        if (!modelKnownValid && !IsValidModel(model))
        {
            Add(ref violations, index, "model", ViolationReasons.ModelInvalid, string.Create(CultureInfo.InvariantCulture, $"model must be 1 to {_limits.MaxModelLength} characters of [A-Za-z0-9._:/-]"));
            valid = false;
        }

        valid &= CheckCounter(index, "input_tokens", inputTokens, ref violations);
        valid &= CheckCounter(index, "output_tokens", outputTokens, ref violations);
        valid &= CheckCounter(index, "requests", requests, ref violations);
        if (billedMicros is { } billed)
        {
            valid &= CheckCounter(index, "billed_micros", billed, ref violations);
        }

        if (inputTokens <= 0 && outputTokens <= 0 && requests <= 0)
        {
            // billed_micros alone is money without usage: the wire contract asks for usage.
            Add(ref violations, index, "input_tokens", ViolationReasons.NoPositiveCounter, "at least one of input_tokens, output_tokens, requests must be positive");
            valid = false;
        }

        if (eventTimeUnixSeconds is not { } eventTime)
        {
            Add(ref violations, index, "event_time", ViolationReasons.EventTimeMissing, "event_time is required");
            return false;
        }

        var nowSeconds = (long)(nowUtc - DateTime.UnixEpoch).TotalSeconds;
        if (eventTime < nowSeconds - (long)_limits.MaxEventAge.TotalSeconds)
        {
            Add(ref violations, index, "event_time", ViolationReasons.EventTimeTooOld, string.Create(CultureInfo.InvariantCulture, $"event_time is more than {_limits.MaxEventAge.TotalDays:0.##} days old"));
            valid = false;
        }
        else if (eventTime > nowSeconds + (long)_limits.MaxClockSkew.TotalSeconds)
        {
            Add(ref violations, index, "event_time", ViolationReasons.EventTimeInFuture, string.Create(CultureInfo.InvariantCulture, $"event_time is more than {_limits.MaxClockSkew.TotalMinutes:0.##} minutes in the future"));
            valid = false;
        }

        return valid;
    }

    public bool IsValidModel(string model)
        => model.Length > 0 && model.Length <= _limits.MaxModelLength && !model.AsSpan().ContainsAnyExcept(ModelCharacters);

    private bool CheckCounter(int index, string field, long value, ref List<Violation>? violations)
    {
        if (value >= 0 && value <= _limits.MaxCounterValue)
        {
            return true;
        }

        Add(ref violations, index, field, ViolationReasons.CounterOutOfRange, string.Create(CultureInfo.InvariantCulture, $"{field} must be between 0 and {_limits.MaxCounterValue}, not {value}"));
        return false;
    }

    private static void Add(ref List<Violation>? violations, int index, string field, string reason, string description)
    {
        violations ??= [];
        violations.Add(new Violation(string.Create(CultureInfo.InvariantCulture, $"records[{index}].{field}"), reason, description));
    }
}
