namespace Metering.Domain.Settlement;

/// <summary>
/// Everything settled so far for one FINAL period of a host: its final statement plus the adjustments for it
/// carried by other FINAL statements. <see cref="Terms"/> are those the final statement was computed with.
/// </summary>
public sealed record SettledPeriod(
    YearMonth Period,
    string StatementId,
    AgreementTerms Terms,
    IReadOnlyList<SettledModel> Models,
    decimal GrossRevenue,
    decimal ShareAmount,
    decimal AmountOwed)
{
    /// <summary>
    /// Sums the final statement's USAGE lines and totals with the FINAL adjustments (summaries and lines) already
    /// carried for the period.
    /// </summary>
    public static SettledPeriod Create(
        Statement finalStatement,
        AgreementTerms terms,
        IEnumerable<PeriodAdjustment> finalAdjustments,
        IEnumerable<StatementLine> finalAdjustmentLines)
    {
        var models = new Dictionary<string, (UsageTotals Usage, decimal? Gross)>(StringComparer.Ordinal);
        foreach (var line in finalStatement.Lines.Where(l => l.Kind == StatementLineKind.Usage).Concat(finalAdjustmentLines))
        {
            models.TryGetValue(line.Model, out var sum);
            models[line.Model] = (sum.Usage + line.Usage, line.GrossRevenue is { } g ? (sum.Gross ?? 0m) + g : sum.Gross);
        }

        var gross = finalStatement.GrossRevenue;
        var share = finalStatement.ShareAmount;
        var owed = finalStatement.PeriodAmountOwed;
        foreach (var adjustment in finalAdjustments)
        {
            gross += adjustment.GrossRevenue;
            share += adjustment.ShareAmount;
            owed += adjustment.AmountOwed;
        }

        return new SettledPeriod(
            finalStatement.Period,
            finalStatement.StatementId,
            terms,
            models.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => new SettledModel(m.Key, m.Value.Usage, m.Value.Gross)).ToList(),
            gross,
            share,
            owed);
    }
}
