namespace Metering.Settlement;

/// <summary>Settlement schedule and adjustment settings. Bound from configuration section "Settlement".</summary>
internal sealed class SettlementOptions
{
    /// <summary>
    /// How long after a month ends its DRAFT statements are finalized by the schedule (late usage flushed within
    /// it still lands in the month). Defaults to 3 days. 0 to 28 days.
    /// </summary>
    public TimeSpan FinalizeGracePeriod { get; set; } = TimeSpan.FromDays(3);

    /// <summary>How often the schedule recomputes the previous month's drafts (and finalizes due ones). Defaults to 1 hour. 1 second to 1 day.</summary>
    public TimeSpan RunInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Run the schedule in this process. Defaults to true; safe on every replica (runs of a period are serialized).</summary>
    public bool SchedulerEnabled { get; set; } = true;

    /// <summary>
    /// How many months before a statement's period are checked for late usage of FINAL periods. Defaults to 3, which
    /// covers the default ingest limit on event age (35 days) plus the grace period. 1 to 24. The metering service
    /// reads the same key and refuses usage (PERIOD_FINALIZED) in a FINAL month older than this, which no statement
    /// would carry.
    /// </summary>
    public int AdjustmentLookbackMonths { get; set; } = 3;
}
