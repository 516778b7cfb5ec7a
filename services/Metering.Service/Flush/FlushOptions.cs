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

    /// <summary>Most hosts cut into one PostgreSQL transaction. Defaults to 500.</summary>
    public int MaxHostsPerTransaction { get; set; } = 500;

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

        return MaxHostsPerTransaction is < 1 or > 100_000 ? "Flush:MaxHostsPerTransaction must be between 1 and 100,000." : null;
    }
}
