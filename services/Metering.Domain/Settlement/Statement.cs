namespace Metering.Domain.Settlement;

/// <summary>
/// What a host owes for one calendar month under its agreement (settlement.proto, Statement): USAGE lines by model
/// then ADJUSTMENT lines by corrected period and model, the period's figures, the adjustments and the total.
/// <see cref="ComputedRevision"/> and <see cref="AgreementRevision"/> are store revisions (0 before storing) that
/// let finalization notice a statement computed before its agreement changed or before another was finalized.
/// </summary>
public sealed record Statement(
    string StatementId,
    string HostId,
    YearMonth Period,
    StatementStatus Status,
    string AgreementId,
    long AgreementRevision,
    Currency Currency,
    RevenueBasis RevenueBasis,
    IReadOnlyList<StatementLine> Lines,
    decimal GrossRevenue,
    IReadOnlyList<TierApplication> TierApplications,
    decimal ShareAmount,
    decimal? MinimumPayment,
    bool MinimumApplied,
    decimal PeriodAmountOwed,
    IReadOnlyList<PeriodAdjustment> Adjustments,
    decimal AmountOwed,
    bool HasUnpricedLines,
    DateTime ComputedAt,
    DateTime? FinalizedAt,
    long ComputedRevision);
