namespace Metering.Domain.Settlement;

/// <summary>
/// The correction of one earlier FINAL period carried by a later statement: that period recomputed now with its
/// agreement, minus what its final statement and earlier FINAL adjustments settled. Gross and share keep 6
/// decimals; the amount owed is in the currency's minor unit. Any of them may be negative.
/// </summary>
public sealed record PeriodAdjustment(YearMonth CorrectsPeriod, string CorrectedStatementId, decimal GrossRevenue, decimal ShareAmount, decimal AmountOwed);
