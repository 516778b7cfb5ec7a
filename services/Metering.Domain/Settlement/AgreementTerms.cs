namespace Metering.Domain.Settlement;

/// <summary>
/// What a statement is computed with: currency, revenue basis, rate card, marginal share tiers and an optional
/// minimum. Construction enforces the invariants (use <see cref="AgreementValidator"/> for field-named errors).
/// </summary>
public sealed class AgreementTerms
{
    private readonly Dictionary<string, RateCardEntry> _rates;

    public AgreementTerms(Currency currency, RevenueBasis basis, IReadOnlyList<RateCardEntry> rateCard, IReadOnlyList<ShareTier> tiers, decimal? minimumPayment)
    {
        if (currency.Code is null)
        {
            throw new ArgumentException("A currency is required.", nameof(currency));
        }

        if (!Enum.IsDefined(basis))
        {
            throw new ArgumentOutOfRangeException(nameof(basis));
        }

        if (basis == RevenueBasis.Reported ? rateCard.Count != 0 : rateCard.Count == 0)
        {
            throw new ArgumentException("A RATE_CARD agreement needs a rate card; a REPORTED one has none.", nameof(rateCard));
        }

        if (tiers.Count == 0 || tiers[0].FromAmount != 0m)
        {
            throw new ArgumentException("The first share tier starts at 0.", nameof(tiers));
        }

        for (var i = 0; i < tiers.Count; i++)
        {
            if ((i > 0 && tiers[i].FromAmount <= tiers[i - 1].FromAmount) || tiers[i].SharePercent is < 0m or > 100m)
            {
                throw new ArgumentException("Share tiers ascend strictly and share 0 to 100 percent.", nameof(tiers));
            }
        }

        if (minimumPayment is < 0m)
        {
            throw new ArgumentOutOfRangeException(nameof(minimumPayment));
        }

        _rates = new Dictionary<string, RateCardEntry>(rateCard.Count, StringComparer.Ordinal);
        foreach (var entry in rateCard)
        {
            if (entry.PricePerMillionInputTokens < 0m || entry.PricePerMillionOutputTokens < 0m || entry.PricePerThousandRequests < 0m || !_rates.TryAdd(entry.Model, entry))
            {
                throw new ArgumentException($"Rate card entry '{entry.Model}' is negative or repeated.", nameof(rateCard));
            }
        }

        Currency = currency;
        Basis = basis;
        RateCard = rateCard;
        Tiers = tiers;
        MinimumPayment = minimumPayment;
    }

    public Currency Currency { get; }

    public RevenueBasis Basis { get; }

    /// <summary>Entries in the order they were given.</summary>
    public IReadOnlyList<RateCardEntry> RateCard { get; }

    /// <summary>Tiers, lowest first; the first starts at 0.</summary>
    public IReadOnlyList<ShareTier> Tiers { get; }

    /// <summary>The least owed for a period; null when there is none.</summary>
    public decimal? MinimumPayment { get; }

    /// <summary>The highest share percent of any tier.</summary>
    public decimal TopSharePercent => Tiers.Max(t => t.SharePercent);

    /// <summary>The entry pricing <paramref name="model"/>: its exact entry, else "*", else null (unpriced).</summary>
    public RateCardEntry? FindRate(string model)
        => _rates.TryGetValue(model, out var exact) ? exact : _rates.GetValueOrDefault(RateCardEntry.Wildcard);
}
