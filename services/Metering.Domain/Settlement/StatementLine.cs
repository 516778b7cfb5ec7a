namespace Metering.Domain.Settlement;

/// <summary>
/// Usage and gross revenue of one model. <see cref="GrossRevenue"/> is null when the line is unpriced (a RATE_CARD
/// agreement without an entry for the model); <see cref="RateCardModel"/> names the entry that priced it.
/// For ADJUSTMENT lines, usage and gross are differences and <see cref="CorrectsPeriod"/> is set.
/// </summary>
public sealed record StatementLine(
    StatementLineKind Kind,
    string Model,
    YearMonth? CorrectsPeriod,
    UsageTotals Usage,
    decimal? GrossRevenue,
    string? RateCardModel)
{
    public bool Unpriced => GrossRevenue is null;
}
