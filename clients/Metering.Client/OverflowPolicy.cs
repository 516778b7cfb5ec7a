namespace Metering.Client;

/// <summary>
/// What <see cref="UsageReporter.Record"/> does when <see cref="UsageReporterOptions.MaxBufferedRecords"/> records are
/// already held in memory (recorded but not yet acknowledged by the server).
/// </summary>
public enum OverflowPolicy
{
    /// <summary>
    /// Wait up to <see cref="UsageReporterOptions.MaxBlock"/> for room; if none frees up, drop the record, count it in
    /// <see cref="UsageReporterStats.RecordsDropped"/> and return false. The default.
    /// </summary>
    Block,

    /// <summary>Drop the new record at once, count it in <see cref="UsageReporterStats.RecordsDropped"/> and return false.</summary>
    DropNewest,

    /// <summary>Throw <see cref="InvalidOperationException"/> at once; nothing is recorded or counted as dropped.</summary>
    Throw,
}
