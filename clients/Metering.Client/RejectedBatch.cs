using Metering.Contracts.V1;

namespace Metering.Client;

/// <summary>
/// A batch the server answered REJECTED: nothing of it was applied and it is not retried (its sequence number is
/// consumed). Passed to <see cref="UsageReporterOptions.OnRejected"/>.
/// </summary>
public sealed class RejectedBatch
{
    internal RejectedBatch(string producerId, ulong sequence, IReadOnlyList<UsageRecord> records, IReadOnlyList<UsageViolation> violations)
    {
        ProducerId = producerId;
        Sequence = sequence;
        Records = records;
        Violations = violations;
    }

    /// <summary>The producer that sent the batch.</summary>
    public string ProducerId { get; }

    /// <summary>The batch's sequence number.</summary>
    public ulong Sequence { get; }

    /// <summary>The records of the batch, in the order they were recorded (violations index into this list).</summary>
    public IReadOnlyList<UsageRecord> Records { get; }

    /// <summary>Every problem the server found.</summary>
    public IReadOnlyList<UsageViolation> Violations { get; }
}
