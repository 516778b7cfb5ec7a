namespace Metering.Domain.Settlement;

/// <summary>
/// The rules an agreement change must meet against what is stored (FAILED_PRECONDITION when broken, not
/// INVALID_ARGUMENT: the same agreement may be fine for another host or at another time).
/// </summary>
public static class AgreementChangeRules
{
    /// <summary>Returns the broken rule, naming its field, or null when the change may be stored.</summary>
    public static SettlementViolation? Check(YearMonth effectiveMonth, AgreementTerms terms, AgreementUpsertContext context)
    {
        // A FINAL statement was computed with the agreement in force for its month; an agreement effective at or
        // before that month would change it (or, for an earlier month, which agreement applied to it).
        if (context.LatestFinalPeriod is { } final && final >= effectiveMonth)
        {
            return new SettlementViolation(
                "agreement.effective_month",
                SettlementReasons.PeriodFinalized,
                $"the host's statement for {final} is FINAL; agreements can only take effect from {final.Next()} on");
        }

        // Late usage of a FINAL period is carried, in that period's currency, by the host's next statement; the
        // amounts of one statement share one currency, so a host's agreements keep one currency.
        foreach (var neighbour in new[] { context.Previous, context.Next })
        {
            if (neighbour is not null && neighbour.Terms.Currency != terms.Currency)
            {
                return new SettlementViolation(
                    "agreement.currency",
                    SettlementReasons.CurrencyChange,
                    $"must be {neighbour.Terms.Currency.Code} like the host's agreement effective {neighbour.EffectiveMonth}: adjustments of one month are settled on a later month's statement, in one currency");
            }
        }

        return null;
    }
}
