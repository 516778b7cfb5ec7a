using Metering.Domain.Ingest;

namespace Metering.Service.Ingest;

/// <summary>A validated batch: its bucket deltas, or the violations that reject it whole.</summary>
internal readonly record struct PreparedBatch(BucketDelta[] Deltas, long RecordCount, List<Violation>? Violations)
{
    public bool IsRejected => Violations is not null;
}
