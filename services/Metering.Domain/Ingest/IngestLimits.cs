namespace Metering.Domain.Ingest;

/// <summary>
/// Limits applied to every ingested batch (docs/wire.md, "Batch validation"). Bound from configuration section
/// "Ingest".
/// </summary>
public sealed class IngestLimits
{
    /// <summary>Most records in one message. Defaults to 10,000.</summary>
    public int MaxRecordsPerMessage { get; set; } = 10_000;

    /// <summary>Longest model name. Defaults to 128.</summary>
    public int MaxModelLength { get; set; } = 128;

    /// <summary>Largest value of one counter of one record. Defaults to 1,000,000,000,000 (10^12).</summary>
    public long MaxCounterValue { get; set; } = 1_000_000_000_000;

    /// <summary>Oldest accepted event_time, back from now. Defaults to 35 days.</summary>
    public TimeSpan MaxEventAge { get; set; } = TimeSpan.FromDays(35);

    /// <summary>Furthest accepted event_time ahead of now (clock skew). Defaults to 5 minutes.</summary>
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Returns the first invalid setting as "Ingest:Name ...", or null.</summary>
    public string? Validate()
    {
        if (MaxRecordsPerMessage is < 1 or > 1_000_000)
        {
            return "Ingest:MaxRecordsPerMessage must be between 1 and 1,000,000.";
        }

        if (MaxModelLength is < 1 or > 1024)
        {
            return "Ingest:MaxModelLength must be between 1 and 1024.";
        }

        if (MaxCounterValue is < 1 or > 1_000_000_000_000_000)
        {
            return "Ingest:MaxCounterValue must be between 1 and 10^15.";
        }

        // One batch adds at most MaxRecordsPerMessage * MaxCounterValue to a counter, and four such counters (plus the
        // record count) to a bucket's running sum, which is checked against 4*10^18 after the batch is added: 4*10^18
        // plus 4*10^18 still fits a long, so nothing wraps before the overflow check sees it.
        if ((decimal)MaxRecordsPerMessage * MaxCounterValue > 1_000_000_000_000_000_000m)
        {
            return "Ingest:MaxRecordsPerMessage * Ingest:MaxCounterValue must not exceed 10^18.";
        }

        if (MaxEventAge <= TimeSpan.Zero)
        {
            return "Ingest:MaxEventAge must be positive.";
        }

        return MaxClockSkew < TimeSpan.Zero ? "Ingest:MaxClockSkew must not be negative." : null;
    }
}
