namespace Metering.Domain.Settlement;

/// <summary>
/// Usage and gross revenue of one model. <see cref="GrossRevenue"/> is null when the line is unpriced (a RATE_CARD
/// agreement without an entry for the model); <see cref="RateCardModel"/> names the entry that priced it.
/// For ADJUSTMENT lines, usage and gross are differences and <see cref="CorrectsPeriod"/> is set.
/// <see cref="CorrectionIds"/> names the approved usage corrections the line took in (docs/corrections.md), ordered;
/// two lines are equal when their ids are the same sequence.
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

    /// <summary>The approved corrections in this line, by id (empty when none).</summary>
    public IReadOnlyList<string> CorrectionIds { get; init; } = [];

    public bool Equals(StatementLine? other)
        => other is not null
            && Kind == other.Kind
            && string.Equals(Model, other.Model, StringComparison.Ordinal)
            && CorrectsPeriod == other.CorrectsPeriod
            && Usage == other.Usage
            && GrossRevenue == other.GrossRevenue
            && string.Equals(RateCardModel, other.RateCardModel, StringComparison.Ordinal)
            && CorrectionIds.SequenceEqual(other.CorrectionIds, StringComparer.Ordinal);

    public override int GetHashCode() => HashCode.Combine(Kind, Model, CorrectsPeriod, Usage, GrossRevenue, RateCardModel, CorrectionIds.Count);
}
