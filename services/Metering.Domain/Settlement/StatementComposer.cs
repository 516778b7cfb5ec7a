namespace Metering.Domain.Settlement;

/// <summary>Builds a DRAFT statement from a computed period and the adjustments it carries.</summary>
public static class StatementComposer
{
    public static Statement ComposeDraft(string statementId, Agreement agreement, YearMonth period, PeriodResult result, IReadOnlyList<AdjustmentResult> adjustments, DateTime computedAt)
    {
        var ordered = adjustments.OrderBy(a => a.Summary.CorrectsPeriod).ToList();
        var lines = new List<StatementLine>(result.Lines.Count + ordered.Sum(a => a.Lines.Count));
        lines.AddRange(result.Lines);
        foreach (var adjustment in ordered)
        {
            lines.AddRange(adjustment.Lines.OrderBy(l => l.Model, StringComparer.Ordinal));
        }

        var total = result.PeriodAmountOwed;
        foreach (var adjustment in ordered)
        {
            total += adjustment.Summary.AmountOwed;
        }

        var terms = agreement.Terms;
        return new Statement(
            statementId,
            agreement.HostId,
            period,
            StatementStatus.Draft,
            agreement.AgreementId,
            agreement.Revision,
            terms.Currency,
            terms.Basis,
            lines,
            result.GrossRevenue,
            result.TierApplications,
            result.ShareAmount,
            terms.MinimumPayment,
            result.MinimumApplied,
            result.PeriodAmountOwed,
            ordered.Select(a => a.Summary).ToList(),
            Money.RoundToMinorUnit(total, terms.Currency),
            lines.Any(l => l.Unpriced),
            computedAt,
            null,
            0);
    }
}
