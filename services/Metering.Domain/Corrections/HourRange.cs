namespace Metering.Domain.Corrections;

/// <summary>
/// Whole UTC hours [<see cref="FromUtc"/>, <see cref="ToUtc"/>), as corrections cover them. Corrections of one host
/// and model must be nested or disjoint (a laminar family): then the corrected total of any bucket or month is the
/// sum of the corrected totals of the outermost ranges in it and the usage outside them, so it can only go below zero
/// if one range's does, which <see cref="CorrectionRules"/> checks.
/// </summary>
public readonly record struct HourRange(DateTime FromUtc, DateTime ToUtc)
{
    /// <summary>True when <paramref name="other"/> lies inside this range (equal ranges contain each other).</summary>
    public bool Contains(HourRange other) => FromUtc <= other.FromUtc && other.ToUtc <= ToUtc;

    /// <summary>True when the two ranges share no hour.</summary>
    public bool IsDisjointFrom(HourRange other) => ToUtc <= other.FromUtc || other.ToUtc <= FromUtc;

    /// <summary>True when the two ranges share hours but neither contains the other.</summary>
    public bool PartlyOverlaps(HourRange other) => !IsDisjointFrom(other) && !Contains(other) && !other.Contains(this);

    public int Hours => (int)(ToUtc - FromUtc).TotalHours;

    public override string ToString() => $"[{FromUtc:yyyy-MM-ddTHH}:00Z, {ToUtc:yyyy-MM-ddTHH}:00Z)";
}
