using System.Globalization;
using Metering.Domain.Ingest;

namespace Metering.Domain.Settlement;

/// <summary>
/// The rules of an agreement (settlement.proto; docs/wire.md, "SettlementService"). Every problem is reported, each
/// naming its field relative to the UpsertAgreement request ("agreement.share_tiers[1].from_amount").
/// </summary>
public static class AgreementValidator
{
    /// <summary>Largest accepted price (per million tokens or per thousand requests). 1,000,000,000.</summary>
    public const decimal MaxPrice = 1_000_000_000m;

    /// <summary>Largest accepted tier bound or minimum payment. 10^15.</summary>
    public const decimal MaxAmount = 1_000_000_000_000_000m;

    private const string Prefix = "agreement.";
    private const int MaxModelLength = 128;

    public static AgreementValidation Validate(AgreementInput input)
    {
        var violations = new List<SettlementViolation>();

        if (string.IsNullOrEmpty(input.HostId))
        {
            Add(violations, "host_id", SettlementReasons.Required, "is required");
        }
        else if (!IngestIdentifiers.IsValidHostId(input.HostId))
        {
            Add(violations, "host_id", SettlementReasons.InvalidFormat, "is not a host id (1 to 63 characters of [a-z0-9-])");
        }

        var effectiveMonth = default(YearMonth);
        if (string.IsNullOrEmpty(input.EffectiveMonth))
        {
            Add(violations, "effective_month", SettlementReasons.Required, "is required (\"YYYY-MM\")");
        }
        else if (!YearMonth.TryParse(input.EffectiveMonth, out effectiveMonth))
        {
            Add(violations, "effective_month", SettlementReasons.InvalidFormat, $"must be a month \"YYYY-MM\" (years {YearMonth.MinYear} to {YearMonth.MaxYear}), not \"{input.EffectiveMonth}\"");
        }

        var currency = default(Currency);
        if (string.IsNullOrEmpty(input.Currency))
        {
            Add(violations, "currency", SettlementReasons.Required, "is required (ISO 4217, e.g. \"USD\")");
        }
        else if (!Currency.TryFromCode(input.Currency, out currency))
        {
            Add(violations, "currency", SettlementReasons.UnknownCurrency, $"\"{input.Currency}\" is not a supported ISO 4217 currency code (three upper-case letters, e.g. \"USD\")");
        }

        if (input.RevenueBasis is null)
        {
            Add(violations, "revenue_basis", SettlementReasons.Required, "must be REVENUE_BASIS_REPORTED or REVENUE_BASIS_RATE_CARD");
        }
        else if (input.RevenueBasis == RevenueBasis.RateCard && input.RateCard.Count == 0)
        {
            Add(violations, "rate_card", SettlementReasons.RateCardRequired, "needs at least one entry for REVENUE_BASIS_RATE_CARD");
        }
        else if (input.RevenueBasis == RevenueBasis.Reported && input.RateCard.Count != 0)
        {
            Add(violations, "rate_card", SettlementReasons.RateCardNotAllowed, "must be empty for REVENUE_BASIS_REPORTED");
        }

        var rateCard = ValidateRateCard(input.RateCard, violations);
        var tiers = ValidateTiers(input.ShareTiers, violations);

        decimal? minimum = null;
        if (!string.IsNullOrEmpty(input.MinimumPayment))
        {
            minimum = ParseAmount(input.MinimumPayment, "minimum_payment", MaxAmount, violations);
        }

        if (violations.Count > 0)
        {
            return new AgreementValidation(input.HostId, effectiveMonth, null, violations);
        }

        return new AgreementValidation(input.HostId, effectiveMonth, new AgreementTerms(currency, input.RevenueBasis!.Value, rateCard, tiers, minimum), violations);
    }

    /// <summary>True for "*" or 1 to 128 characters of [A-Za-z0-9._:/-] (the ingest model format).</summary>
    public static bool IsValidRateCardModel(string model)
    {
        if (model == RateCardEntry.Wildcard)
        {
            return true;
        }

        if (model.Length is 0 or > MaxModelLength)
        {
            return false;
        }

        foreach (var c in model)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '_' or ':' or '/' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    private static List<RateCardEntry> ValidateRateCard(IReadOnlyList<RateCardEntryInput> entries, List<SettlementViolation> violations)
    {
        var result = new List<RateCardEntry>(entries.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            var path = string.Create(CultureInfo.InvariantCulture, $"rate_card[{i}].");
            if (string.IsNullOrEmpty(entry.Model))
            {
                Add(violations, path + "model", SettlementReasons.Required, "is required (a model name or \"*\")");
            }
            else if (!IsValidRateCardModel(entry.Model))
            {
                Add(violations, path + "model", SettlementReasons.InvalidFormat, "must be \"*\" or 1 to 128 characters of [A-Za-z0-9._:/-]");
            }
            else if (!seen.Add(entry.Model))
            {
                Add(violations, path + "model", SettlementReasons.DuplicateModel, $"\"{entry.Model}\" appears more than once in the rate card");
            }

            var input = ParseAmount(entry.PricePerMillionInputTokens, path + "price_per_million_input_tokens", MaxPrice, violations);
            var output = ParseAmount(entry.PricePerMillionOutputTokens, path + "price_per_million_output_tokens", MaxPrice, violations);
            var requests = ParseAmount(entry.PricePerThousandRequests, path + "price_per_thousand_requests", MaxPrice, violations);
            result.Add(new RateCardEntry(entry.Model, input, output, requests));
        }

        return result;
    }

    private static List<ShareTier> ValidateTiers(IReadOnlyList<ShareTierInput> tiers, List<SettlementViolation> violations)
    {
        var result = new List<ShareTier>(tiers.Count);
        if (tiers.Count == 0)
        {
            Add(violations, "share_tiers", SettlementReasons.TiersRequired, "needs at least one tier (from_amount \"0\")");
            return result;
        }

        decimal? previousFrom = null;
        for (var i = 0; i < tiers.Count; i++)
        {
            var path = string.Create(CultureInfo.InvariantCulture, $"share_tiers[{i}].");
            var before = violations.Count;
            var from = ParseAmount(tiers[i].FromAmount, path + "from_amount", MaxAmount, violations);
            var fromValid = violations.Count == before;
            if (fromValid && i == 0 && from != 0m)
            {
                Add(violations, path + "from_amount", SettlementReasons.FirstTierNotZero, "of the first tier must be \"0\"");
            }
            else if (fromValid && previousFrom is { } prior && from <= prior)
            {
                Add(violations, path + "from_amount", SettlementReasons.TiersNotAscending, string.Create(CultureInfo.InvariantCulture, $"must be greater than share_tiers[{i - 1}].from_amount ({DecimalText.Format(prior)})"));
            }

            previousFrom = fromValid ? from : previousFrom;
            var percent = ParseAmount(tiers[i].SharePercent, path + "share_percent", 100m, violations);
            result.Add(new ShareTier(from, percent));
        }

        return result;
    }

    private static decimal ParseAmount(string text, string field, decimal max, List<SettlementViolation> violations)
    {
        if (!DecimalText.TryParse(text, allowNegative: true, out var value, out var error))
        {
            Add(violations, field, string.IsNullOrEmpty(text) ? SettlementReasons.Required : SettlementReasons.InvalidFormat, error);
            return 0m;
        }

        if (value < 0m)
        {
            Add(violations, field, SettlementReasons.Negative, "must not be negative");
            return 0m;
        }

        if (value > max)
        {
            Add(violations, field, SettlementReasons.OutOfRange, $"must be at most {DecimalText.Format(max)}");
            return 0m;
        }

        return value;
    }

    private static void Add(List<SettlementViolation> violations, string field, string reason, string description)
        => violations.Add(new SettlementViolation(Prefix + field, reason, description));
}
