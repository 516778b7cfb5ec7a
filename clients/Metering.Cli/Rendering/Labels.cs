using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Metering.Contracts.V1;

namespace Metering.Cli.Rendering;

/// <summary>Human words for wire enums and times.</summary>
internal static class Labels
{
    public static string Status(StatementStatus status) => status switch
    {
        StatementStatus.Draft => "DRAFT",
        StatementStatus.Final => "FINAL",
        _ => status.ToString().ToUpperInvariant(),
    };

    public static string Basis(RevenueBasis basis) => basis switch
    {
        RevenueBasis.RateCard => "rate card",
        RevenueBasis.Reported => "reported revenue",
        _ => "unspecified basis",
    };

    public static string Role(Role role) => role switch
    {
        Contracts.V1.Role.Host => "HOST",
        Contracts.V1.Role.Billing => "BILLING",
        Contracts.V1.Role.Admin => "ADMIN",
        _ => "UNSPECIFIED",
    };

    public static string SkipReason(SettlementSkipReason reason) => reason switch
    {
        SettlementSkipReason.Final => "statement already FINAL (left as is)",
        SettlementSkipReason.NoAgreement => "no agreement in force for the period",
        _ => reason.ToString(),
    };

    /// <summary><c>2026-11-27 08:15:02 UTC</c>, or empty for an unset time.</summary>
    public static string Time(Timestamp? time)
        => time is null ? string.Empty : time.ToDateTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>ISO 8601 in UTC (<c>2026-11-27T08:00:00Z</c>), or empty for an unset time; for CSV.</summary>
    public static string IsoTime(Timestamp? time)
        => time is null ? string.Empty : time.ToDateTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary><c>10</c> → <c>10%</c>, <c>12.5</c> → <c>12.5%</c>.</summary>
    public static string Percent(string text) => text + "%";
}
