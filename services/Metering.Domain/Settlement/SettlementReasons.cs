namespace Metering.Domain.Settlement;

/// <summary>Reason codes of settlement field violations.</summary>
public static class SettlementReasons
{
    public const string Required = "REQUIRED";
    public const string InvalidFormat = "INVALID_FORMAT";
    public const string OutOfRange = "OUT_OF_RANGE";
    public const string Negative = "NEGATIVE";
    public const string UnknownCurrency = "UNKNOWN_CURRENCY";
    public const string CurrencyChange = "CURRENCY_CHANGE";
    public const string RateCardRequired = "RATE_CARD_REQUIRED";
    public const string RateCardNotAllowed = "RATE_CARD_NOT_ALLOWED";
    public const string DuplicateModel = "DUPLICATE_MODEL";
    public const string TiersRequired = "TIERS_REQUIRED";
    public const string FirstTierNotZero = "FIRST_TIER_NOT_ZERO";
    public const string TiersNotAscending = "TIERS_NOT_ASCENDING";
    public const string PeriodFinalized = "PERIOD_FINALIZED";
}
