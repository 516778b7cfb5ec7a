namespace Metering.Domain.Settlement;

/// <summary>
/// Late usage of a FINAL period (docs/architecture.md, "Settlement"): the period recomputed now, with the terms that
/// applied to it, minus what has been settled for it — the difference in usage, gross revenue, share and amount owed.
/// </summary>
public static class AdjustmentCalculator
{
    /// <summary>The correction, or null when nothing differs.</summary>
    public static AdjustmentResult? Compute(SettledPeriod settled, IEnumerable<ModelUsage> usageNow)
    {
        var recomputed = StatementCalculator.ComputePeriod(settled.Terms, usageNow);
        var nowByModel = recomputed.Lines.ToDictionary(l => l.Model, StringComparer.Ordinal);
        var settledByModel = settled.Models.ToDictionary(m => m.Model, StringComparer.Ordinal);
        var lines = new List<StatementLine>();
        foreach (var model in nowByModel.Keys.Union(settledByModel.Keys).Order(StringComparer.Ordinal))
        {
            var current = nowByModel.GetValueOrDefault(model)
                ?? StatementCalculator.PriceLine(settled.Terms, StatementLineKind.Usage, model, null, default);
            var before = settledByModel.GetValueOrDefault(model);
            var usage = current.Usage - (before?.Usage ?? default);
            decimal? gross = current.GrossRevenue is { } g ? Money.RoundLine(g - (before?.GrossRevenue ?? 0m)) : null;
            if (!usage.IsZero || gross is { } d && d != 0m)
            {
                lines.Add(new StatementLine(StatementLineKind.Adjustment, model, settled.Period, usage, gross, current.RateCardModel));
            }
        }

        var summary = new PeriodAdjustment(
            settled.Period,
            settled.StatementId,
            Money.RoundLine(recomputed.GrossRevenue - settled.GrossRevenue),
            Money.RoundLine(recomputed.ShareAmount - settled.ShareAmount),
            Money.RoundToMinorUnit(recomputed.PeriodAmountOwed - settled.AmountOwed, settled.Terms.Currency));
        if (lines.Count == 0 && summary.GrossRevenue == 0m && summary.ShareAmount == 0m && summary.AmountOwed == 0m)
        {
            return null;
        }

        return new AdjustmentResult(summary, lines);
    }
}
