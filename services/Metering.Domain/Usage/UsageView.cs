namespace Metering.Domain.Usage;

/// <summary>What a usage query counts (docs/corrections.md, "GetUsage views").</summary>
public enum UsageView
{
    /// <summary>Counted usage plus the approved corrections whose whole hour range lies in a row's bucket.</summary>
    Corrected,

    /// <summary>Counted usage only.</summary>
    Raw,

    /// <summary>The approved corrections only (records 0).</summary>
    Corrections,
}
