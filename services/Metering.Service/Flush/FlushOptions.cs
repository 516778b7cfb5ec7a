namespace Metering.Service.Flush;

/// <summary>The Redis→PostgreSQL flusher. Bound from configuration section "Flush".</summary>
public sealed class FlushOptions
{
    /// <summary>Run the flusher in this process. Defaults to true (safe on every replica).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Time between flush cycles. Defaults to 5 seconds.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long recorded flush ids are kept, which bounds how late an orphaned snapshot can still be recognised
    /// as already written. Defaults to 3 days.
    /// </summary>
    public TimeSpan FlushIdRetention { get; set; } = TimeSpan.FromDays(3);

    /// <summary>
    /// Rows after which the snapshots cut so far go to PostgreSQL in their own transaction while cutting goes on
    /// (one host's snapshot is never split). Defaults to 10,000.
    /// </summary>
    public int MaxRowsPerTransaction { get; set; } = 10_000;

    /// <summary>PostgreSQL transactions of one cycle written at the same time. Defaults to 2.</summary>
    public int MaxParallelWrites { get; set; } = 2;

    public string? Validate()
    {
        if (Interval < TimeSpan.FromMilliseconds(50) || Interval > TimeSpan.FromMinutes(10))
        {
            return "Flush:Interval must be between 50 ms and 10 minutes.";
        }

        if (FlushIdRetention < TimeSpan.FromHours(1))
        {
            return "Flush:FlushIdRetention must be at least one hour.";
        }

        if (MaxRowsPerTransaction is < 1 or > 10_000_000)
        {
            return "Flush:MaxRowsPerTransaction must be between 1 and 10,000,000.";
        }

        return MaxParallelWrites is < 1 or > 64 ? "Flush:MaxParallelWrites must be between 1 and 64." : null;
    }
}
