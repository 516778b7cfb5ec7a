using Metering.Domain.Settlement;

namespace Metering.Domain.Corrections;

/// <summary>
/// How settlement applies approved corrections (docs/corrections.md, "Settlement"): a month's corrections are added
/// to its counted usage per model before the month is priced, both for its own statement (DRAFT) and when a FINAL
/// month is recomputed for adjustments; statement lines then name the corrections they took in.
/// </summary>
public static class CorrectionSettlement
{
    /// <summary>
    /// <paramref name="counted"/> usage per model plus <paramref name="corrections"/> (of the same host and month), by
    /// model; a model only corrections mention gets a line of its own.
    /// </summary>
    public static List<ModelUsage> Apply(IEnumerable<ModelUsage> counted, IEnumerable<AppliedCorrection> corrections)
    {
        var totals = new Dictionary<string, UsageTotals>(StringComparer.Ordinal);
        foreach (var usage in counted)
        {
            totals[usage.Model] = totals.GetValueOrDefault(usage.Model) + usage.Usage;
        }

        foreach (var correction in corrections)
        {
            totals[correction.Model] = totals.GetValueOrDefault(correction.Model) + correction.Delta;
        }

        return totals.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => new ModelUsage(t.Key, t.Value)).ToList();
    }

    /// <summary>
    /// <paramref name="draft"/> with each line naming its corrections: a USAGE line those of its model in
    /// <paramref name="ofPeriod"/>; an ADJUSTMENT line those of its model in <paramref name="ofCorrectedPeriods"/>
    /// for the period it corrects that no FINAL statement took in before (<paramref name="taken"/>).
    /// </summary>
    public static Statement NameCorrections(
        Statement draft,
        IEnumerable<AppliedCorrection> ofPeriod,
        IReadOnlyDictionary<YearMonth, List<AppliedCorrection>> ofCorrectedPeriods,
        IReadOnlySet<string> taken)
    {
        var own = ByModel(ofPeriod, taken: null);
        var corrected = ofCorrectedPeriods.ToDictionary(p => p.Key, p => ByModel(p.Value, taken));
        if (own.Count == 0 && corrected.All(c => c.Value.Count == 0))
        {
            return draft;
        }

        var lines = draft.Lines.Select(line =>
        {
            var ids = line.Kind == StatementLineKind.Usage
                ? own.GetValueOrDefault(line.Model)
                : corrected.GetValueOrDefault(line.CorrectsPeriod!.Value)?.GetValueOrDefault(line.Model);
            return ids is { Count: > 0 } ? line with { CorrectionIds = ids } : line;
        }).ToList();
        return draft with { Lines = lines };
    }

    private static Dictionary<string, IReadOnlyList<string>> ByModel(IEnumerable<AppliedCorrection> corrections, IReadOnlySet<string>? taken)
        => corrections
            .Where(c => taken is null || !taken.Contains(c.CorrectionId))
            .GroupBy(c => c.Model, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.Select(c => c.CorrectionId).Order(StringComparer.Ordinal).ToArray(), StringComparer.Ordinal);
}
