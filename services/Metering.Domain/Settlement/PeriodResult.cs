namespace Metering.Domain.Settlement;

/// <summary>
/// One period computed under one agreement: USAGE lines (by model), gross revenue of the priced lines, the tiers
/// applied, the share, whether the minimum applied and the amount owed for the period (in the minor unit).
/// </summary>
public sealed record PeriodResult(
    IReadOnlyList<StatementLine> Lines,
    decimal GrossRevenue,
    IReadOnlyList<TierApplication> TierApplications,
    decimal ShareAmount,
    bool MinimumApplied,
    decimal PeriodAmountOwed)
{
    public bool HasUnpricedLines => Lines.Any(l => l.Unpriced);
}
