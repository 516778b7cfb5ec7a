namespace Metering.Service.Ingest;

/// <summary>
/// One <c>UsageRecord</c> of a received batch, as its fields arrived (read straight from the request bytes, or copied
/// from a parsed unary request): what validation and aggregation need, with the presence of the optional fields.
/// </summary>
internal struct ReceivedRecord
{
    /// <summary>The model name; empty when the field was absent.</summary>
    public string Model;

    public long InputTokens;

    public long OutputTokens;

    public long Requests;

    /// <summary>What the host billed; meaningful when <see cref="HasBilledMicros"/>.</summary>
    public long BilledMicros;

    public bool HasBilledMicros;

    /// <summary>Whether event_time was present (even with zero fields).</summary>
    public bool HasEventTime;

    public long EventTimeSeconds;

    public int EventTimeNanos;
}
