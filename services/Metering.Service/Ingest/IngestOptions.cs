namespace Metering.Service.Ingest;

/// <summary>Ingest pipeline settings. Bound from configuration section "Ingest" (with the limits of IngestLimits).</summary>
public sealed class IngestOptions
{
    /// <summary>Batches of one stream read ahead of their acks. Defaults to 64.</summary>
    public int MaxInFlightBatchesPerStream { get; set; } = 64;

    /// <summary>Batches of all streams waiting for Redis; a full budget stops reading. Defaults to 2,048.</summary>
    public int MaxInFlightBatches { get; set; } = 2048;

    /// <summary>Most batches in one group commit. Defaults to 512.</summary>
    public int MaxBatchesPerCommit { get; set; } = 512;

    /// <summary>Group commits sent to Redis before the first is answered. Defaults to 4.</summary>
    public int MaxConcurrentCommits { get; set; } = 4;

    /// <summary>How long a unary idempotency key is remembered. Defaults to 24 hours.</summary>
    public TimeSpan IdempotencyWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long an idle producer's last sequence is kept. Defaults to 40 days.</summary>
    public TimeSpan ProducerStateTtl { get; set; } = TimeSpan.FromDays(40);

    public string? Validate()
    {
        if (MaxInFlightBatchesPerStream is < 1 or > 10_000)
        {
            return "Ingest:MaxInFlightBatchesPerStream must be between 1 and 10,000.";
        }

        if (MaxInFlightBatches < MaxInFlightBatchesPerStream)
        {
            return "Ingest:MaxInFlightBatches must be at least Ingest:MaxInFlightBatchesPerStream.";
        }

        if (MaxBatchesPerCommit is < 1 or > 10_000)
        {
            return "Ingest:MaxBatchesPerCommit must be between 1 and 10,000.";
        }

        if (MaxConcurrentCommits is < 1 or > 64)
        {
            return "Ingest:MaxConcurrentCommits must be between 1 and 64.";
        }

        if (IdempotencyWindow < TimeSpan.FromMinutes(1))
        {
            return "Ingest:IdempotencyWindow must be at least one minute.";
        }

        return ProducerStateTtl < TimeSpan.FromDays(1) ? "Ingest:ProducerStateTtl must be at least one day." : null;
    }
}
