using Metering.Domain.Settlement;

namespace Metering.Domain.Corrections;

/// <summary>
/// What an approval must hold (docs/corrections.md): the new range is nested in or disjoint from every approved
/// range of the same host and model, and no corrected total goes below zero. The corrected total of a range is the
/// counted usage in it plus every approved correction inside it. Adding a correction over R changes the corrected
/// totals of R and of every approved range that contains R, and of nothing else that is checked, so those are the
/// ranges <see cref="RangesToCheck"/> returns. Counted usage only ever grows, so a check that passes stays true.
/// </summary>
public static class CorrectionRules
{
    /// <summary>An approved correction whose range partly overlaps <paramref name="range"/>, or null.</summary>
    public static UsageCorrection? FindPartialOverlap(HourRange range, IEnumerable<UsageCorrection> approved)
        => approved.FirstOrDefault(c => c.Range.PartlyOverlaps(range));

    /// <summary><paramref name="range"/> and every distinct approved range that contains it, innermost first.</summary>
    public static IReadOnlyList<HourRange> RangesToCheck(HourRange range, IEnumerable<UsageCorrection> approved)
        => approved.Select(c => c.Range).Where(r => r.Contains(range)).Append(range).Distinct().OrderBy(r => r.Hours).ToList();

    /// <summary>The corrected total of <paramref name="range"/>: <paramref name="counted"/> plus the approved corrections inside it.</summary>
    public static UsageTotals CorrectedTotal(HourRange range, UsageTotals counted, IEnumerable<UsageCorrection> approved)
    {
        var total = counted;
        foreach (var correction in approved)
        {
            if (range.Contains(correction.Range))
            {
                total += correction.Delta;
            }
        }

        return total;
    }

    /// <summary>
    /// The first counter (in wire order) for which <paramref name="correctedTotal"/> plus <paramref name="delta"/> is
    /// negative, with both values, or null when none is.
    /// </summary>
    public static (string Field, long Total, long Delta)? FirstNegative(UsageTotals correctedTotal, UsageTotals delta)
    {
        (string, long, long)[] fields =
        [
            ("input_tokens", correctedTotal.InputTokens, delta.InputTokens),
            ("output_tokens", correctedTotal.OutputTokens, delta.OutputTokens),
            ("requests", correctedTotal.Requests, delta.Requests),
            ("billed_micros", correctedTotal.BilledMicros, delta.BilledMicros),
        ];
        foreach (var (field, total, change) in fields)
        {
            if (total + change < 0)
            {
                return (field, total, change);
            }
        }

        return null;
    }
}
