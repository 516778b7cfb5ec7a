namespace Metering.Domain.Ingest;

/// <summary>The reason codes of ingest violations (the wire contract lists the same).</summary>
public static class ViolationReasons
{
    public const string RecordCountOutOfRange = "RECORD_COUNT_OUT_OF_RANGE";
    public const string ModelInvalid = "MODEL_INVALID";
    public const string CounterOutOfRange = "COUNTER_OUT_OF_RANGE";
    public const string NoPositiveCounter = "NO_POSITIVE_COUNTER";
    public const string EventTimeMissing = "EVENT_TIME_MISSING";
    public const string EventTimeInvalid = "EVENT_TIME_INVALID";
    public const string EventTimeTooOld = "EVENT_TIME_TOO_OLD";
    public const string EventTimeInFuture = "EVENT_TIME_IN_FUTURE";
    public const string PeriodFinalized = "PERIOD_FINALIZED";
    public const string CounterTotalOverflow = "COUNTER_TOTAL_OVERFLOW";
}
