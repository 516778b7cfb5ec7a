namespace Metering.Domain.Usage;

/// <summary>Width of the time buckets of a usage query; buckets are aligned to UTC.</summary>
public enum UsageGranularity
{
    Hour,
    Day,
    Month,
    Total,
}
