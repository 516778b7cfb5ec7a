namespace Metering.Domain.Settlement;

/// <summary>
/// Computes a period's statement figures from usage and terms (docs/architecture.md, "Settlement"). Lines keep 6
/// decimals (half to even); gross revenue is the sum of the priced lines; the share is marginal over the tiers; the
/// amount owed is max(share, minimum) rounded to the currency's minor unit, half to even.
/// </summary>
public static class StatementCalculator
{
    private const decimal Million = 1_000_000m;
    private const decimal Thousand = 1_000m;

    /// <summary>USAGE lines ordered by model (ordinal), then the period's totals.</summary>
    public static PeriodResult ComputePeriod(AgreementTerms terms, IEnumerable<ModelUsage> usage)
    {
        var lines = usage
            .OrderBy(u => u.Model, StringComparer.Ordinal)
            .Select(u => PriceLine(terms, StatementLineKind.Usage, u.Model, null, u.Usage))
            .ToList();
        var gross = 0m;
        foreach (var line in lines)
        {
            gross += line.GrossRevenue ?? 0m;
        }

        gross = Money.RoundLine(gross);
        var tiers = ApplyTiers(terms.Tiers, gross);
        var share = 0m;
        foreach (var tier in tiers)
        {
            share += tier.ShareAmount;
        }

        share = Money.RoundLine(share);
        var minimumApplied = terms.MinimumPayment is { } minimum && minimum > share;
        var owed = Money.RoundToMinorUnit(minimumApplied ? terms.MinimumPayment!.Value : share, terms.Currency);
        return new PeriodResult(lines, gross, tiers, share, minimumApplied, owed);
    }

    /// <summary>Prices one model's usage; the line is unpriced (null gross) when a RATE_CARD has no entry for it.</summary>
    public static StatementLine PriceLine(AgreementTerms terms, StatementLineKind kind, string model, YearMonth? correctsPeriod, UsageTotals usage)
    {
        if (terms.Basis == RevenueBasis.Reported)
        {
            return new StatementLine(kind, model, correctsPeriod, usage, Money.RoundLine(usage.BilledMicros / Million), null);
        }

        var rate = terms.FindRate(model);
        if (rate is null)
        {
            return new StatementLine(kind, model, correctsPeriod, usage, null, null);
        }

        var gross = (usage.InputTokens / Million * rate.PricePerMillionInputTokens)
            + (usage.OutputTokens / Million * rate.PricePerMillionOutputTokens)
            + (usage.Requests / Thousand * rate.PricePerThousandRequests);
        return new StatementLine(kind, model, correctsPeriod, usage, Money.RoundLine(gross), rate.Model);
    }

    /// <summary>
    /// The marginal bands of <paramref name="gross"/>: each tier's share of the part of the gross between its
    /// from_amount and the next tier's. Bands with nothing in them are omitted.
    /// </summary>
    public static IReadOnlyList<TierApplication> ApplyTiers(IReadOnlyList<ShareTier> tiers, decimal gross)
    {
        var applied = new List<TierApplication>(tiers.Count);
        for (var i = 0; i < tiers.Count; i++)
        {
            var from = tiers[i].FromAmount;
            decimal? to = i + 1 < tiers.Count ? tiers[i + 1].FromAmount : null;
            if (gross <= from)
            {
                break;
            }

            var top = to is { } upper && upper < gross ? upper : gross;
            var baseAmount = Money.RoundLine(top - from);
            var share = Money.RoundLine(baseAmount * tiers[i].SharePercent / 100m);
            applied.Add(new TierApplication(from, to, tiers[i].SharePercent, baseAmount, share));
        }

        return applied;
    }
}
