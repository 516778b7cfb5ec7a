namespace Metering.Client;

/// <summary>Kinds of problem reported through <see cref="UsageReporterOptions.OnError"/>.</summary>
public enum UsageReporterErrorKind
{
    /// <summary>
    /// The server answered UNAUTHENTICATED (missing, unknown or revoked API key). The reporter keeps the records and
    /// retries only after <see cref="UsageReporterOptions.AuthFailureRetryDelay"/>.
    /// </summary>
    Unauthenticated,

    /// <summary>
    /// The server answered PERMISSION_DENIED (the key is not a HOST key). Retried only after
    /// <see cref="UsageReporterOptions.AuthFailureRetryDelay"/>.
    /// </summary>
    PermissionDenied,

    /// <summary>
    /// The server refused the stream itself (INVALID_ARGUMENT, RESOURCE_EXHAUSTED or a FAILED_PRECONDITION that is not
    /// a sequence gap): retrying the same bytes will not help soon, so it is retried only after
    /// <see cref="UsageReporterOptions.AuthFailureRetryDelay"/>.
    /// </summary>
    StreamRefused,

    /// <summary>
    /// The server expects a sequence number below the oldest batch this reporter still holds: batches in between were
    /// lost on this side (a damaged spool) or forgotten by the server. They cannot be recovered; the reporter
    /// renumbers what it holds from the expected sequence and goes on. Counted in <see cref="UsageReporterStats.BatchesLost"/>.
    /// </summary>
    RecordsLost,

    /// <summary>
    /// The server's sequence for this producer id is ahead of anything this reporter sent: another process uses the
    /// same producer id, or the spool was restored from an old copy. Records may be miscounted until that is fixed.
    /// </summary>
    ProducerConflict,

    /// <summary>Writing the spool failed; the batch is still sent but would not survive a restart.</summary>
    SpoolFailed,
}
