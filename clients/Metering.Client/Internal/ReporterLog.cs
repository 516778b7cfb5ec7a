using Microsoft.Extensions.Logging;

namespace Metering.Client.Internal;

/// <summary>The reporter's log messages (event ids 1-19 are UsageReporter's, 20-29 the spool's).</summary>
internal static partial class ReporterLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Usage stream of producer {ProducerId} ended with {StatusCode} ({Detail}); reconnecting in {DelayMs} ms.")]
    public static partial void StreamFailed(ILogger logger, string producerId, string statusCode, string detail, long delayMs);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Batch {Sequence} of producer {ProducerId} ({RecordCount} records) was rejected with {ViolationCount} violations; first: {Field} {Reason}.")]
    public static partial void BatchRejected(ILogger logger, ulong sequence, string producerId, int recordCount, int violationCount, string field, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "The server expects sequence {Expected} of producer {ProducerId}: batches {First} to {Last} were already applied.")]
    public static partial void GapAbove(ILogger logger, ulong expected, string producerId, ulong first, ulong last);

    [LoggerMessage(EventId = 4, Level = LogLevel.Error, Message = "Usage reporter of producer {ProducerId}: {Kind}: {Message}")]
    public static partial void Error(ILogger logger, string producerId, UsageReporterErrorKind kind, string message, Exception? exception);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "A usage reporter callback ({Callback}) threw; ignored.")]
    public static partial void CallbackFailed(ILogger logger, string callback, Exception exception);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "Producer {ProducerId} stopped with {BatchCount} batches ({RecordCount} records) unacknowledged; {Fate}.")]
    public static partial void UnackedAtStop(ILogger logger, string producerId, int batchCount, long recordCount, string fate);

    [LoggerMessage(EventId = 7, Level = LogLevel.Error, Message = "The sender of producer {ProducerId} failed unexpectedly; it keeps the records and retries after a backoff.")]
    public static partial void SenderFailed(ILogger logger, string producerId, Exception exception);

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Spool {Directory}: producer {ProducerId}, acknowledged through {AckedThrough}, {BatchCount} batches ({RecordCount} records) to resend.")]
    public static partial void SpoolLoaded(ILogger logger, string directory, string producerId, ulong ackedThrough, int batchCount, long recordCount);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "Spool segment {Path} is damaged at offset {Offset} ({Problem}); truncated there.")]
    public static partial void SpoolDamaged(ILogger logger, string path, long offset, string problem);
}
