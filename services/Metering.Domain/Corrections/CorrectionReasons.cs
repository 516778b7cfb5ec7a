namespace Metering.Domain.Corrections;

/// <summary>Reason codes of the field violations corrections and disputes are refused with.</summary>
public static class CorrectionReasons
{
    /// <summary>The corrected total of a counter would go below zero.</summary>
    public const string CorrectedTotalNegative = "CORRECTED_TOTAL_NEGATIVE";

    /// <summary>The hour range partly overlaps the range of another correction of the same host and model.</summary>
    public const string RangeOverlap = "RANGE_OVERLAP";

    /// <summary>A FINAL month older than the adjustment look-back of the host's next statement: settlement would never carry it.</summary>
    public const string OutsideAdjustmentWindow = "OUTSIDE_ADJUSTMENT_WINDOW";

    /// <summary>Every delta is zero.</summary>
    public const string NoChange = "NO_CHANGE";

    /// <summary>A disputed line the statement does not have.</summary>
    public const string UnknownLine = "UNKNOWN_LINE";

    /// <summary>A line named twice.</summary>
    public const string DuplicateLine = "DUPLICATE_LINE";

    /// <summary>Text over its length limit.</summary>
    public const string TooLong = "TOO_LONG";
}
