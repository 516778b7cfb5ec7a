namespace Metering.Client;

/// <summary>
/// A snapshot of a <see cref="UsageReporter"/>'s counters since it was created (restored spool batches are not
/// counted as recorded but as restored). Once everything is resolved,
/// <c>RecordsRecorded + RecordsRestored == RecordsAccepted + RecordsDuplicate + RecordsRejected</c> (plus the records of
/// <see cref="BatchesLost"/>, which the reporter no longer holds and cannot count).
/// </summary>
public sealed record UsageReporterStats
{
    /// <summary>Records taken by <see cref="UsageReporter.Record"/> (dropped ones excluded).</summary>
    public long RecordsRecorded { get; init; }

    /// <summary>Records of unacknowledged batches loaded from the spool when the reporter started.</summary>
    public long RecordsRestored { get; init; }

    /// <summary>Records of batches the server answered ACCEPTED: applied by this send.</summary>
    public long RecordsAccepted { get; init; }

    /// <summary>
    /// Records of batches the server answered DUPLICATE, or that a sequence gap showed were already applied: delivered
    /// by an earlier send whose acknowledgement was lost.
    /// </summary>
    public long RecordsDuplicate { get; init; }

    /// <summary>Records of batches the server answered REJECTED (nothing applied, not retried).</summary>
    public long RecordsRejected { get; init; }

    /// <summary>Records dropped by the overflow policy because the buffer was full.</summary>
    public long RecordsDropped { get; init; }

    /// <summary>Batches written to a stream, resends included.</summary>
    public long BatchesSent { get; init; }

    /// <summary>Batches answered ACCEPTED.</summary>
    public long BatchesAccepted { get; init; }

    /// <summary>Batches answered DUPLICATE or resolved as already applied by a sequence gap.</summary>
    public long BatchesDuplicate { get; init; }

    /// <summary>Batches answered REJECTED.</summary>
    public long BatchesRejected { get; init; }

    /// <summary>Writes of a batch that had been written before (after a reconnect or a restart from the spool).</summary>
    public long BatchesResent { get; init; }

    /// <summary>Sequence numbers the server expected that this reporter no longer held (see <see cref="UsageReporterErrorKind.RecordsLost"/>).</summary>
    public long BatchesLost { get; init; }

    /// <summary>Streams opened after the first one.</summary>
    public long Reconnects { get; init; }

    /// <summary>Problems reported through <see cref="UsageReporterOptions.OnError"/>.</summary>
    public long Errors { get; init; }

    /// <summary>Batches written on the current stream and not yet acknowledged.</summary>
    public int InFlightBatches { get; init; }

    /// <summary>Closed batches not yet acknowledged (in flight or waiting to be sent).</summary>
    public int UnackedBatches { get; init; }

    /// <summary>Records held in memory: the open batch plus every unacknowledged batch.</summary>
    public long BufferedRecords { get; init; }

    /// <summary>Highest sequence number such that it and every one before it are resolved (acknowledged).</summary>
    public ulong AckedThroughSequence { get; init; }
}
