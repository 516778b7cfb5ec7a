using Metering.Domain.Usage;

namespace Metering.Domain.Ingest;

/// <summary>What one batch adds to one bucket.</summary>
public readonly record struct BucketDelta(HourBucket Bucket, UsageCounters Counters);
