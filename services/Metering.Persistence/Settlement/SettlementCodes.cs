using Metering.Domain.Settlement;

namespace Metering.Persistence.Settlement;

/// <summary>The text codes enums are stored as (the CHECK constraints of 0003_settlement.sql list the same).</summary>
internal static class SettlementCodes
{
    public static string Of(RevenueBasis basis) => basis switch
    {
        RevenueBasis.Reported => "REPORTED",
        RevenueBasis.RateCard => "RATE_CARD",
        _ => throw new ArgumentOutOfRangeException(nameof(basis)),
    };

    public static string Of(StatementStatus status) => status switch
    {
        StatementStatus.Draft => "DRAFT",
        StatementStatus.Final => "FINAL",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public static string Of(StatementLineKind kind) => kind switch
    {
        StatementLineKind.Usage => "USAGE",
        StatementLineKind.Adjustment => "ADJUSTMENT",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static RevenueBasis Basis(string code) => code switch
    {
        "REPORTED" => RevenueBasis.Reported,
        "RATE_CARD" => RevenueBasis.RateCard,
        _ => throw new InvalidDataException($"Unknown revenue basis '{code}'."),
    };

    public static StatementStatus Status(string code) => code switch
    {
        "DRAFT" => StatementStatus.Draft,
        "FINAL" => StatementStatus.Final,
        _ => throw new InvalidDataException($"Unknown statement status '{code}'."),
    };

    public static StatementLineKind Kind(string code) => code switch
    {
        "USAGE" => StatementLineKind.Usage,
        "ADJUSTMENT" => StatementLineKind.Adjustment,
        _ => throw new InvalidDataException($"Unknown line kind '{code}'."),
    };
}
