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

    public static string State(CorrectionState state) => state switch
    {
        CorrectionState.Proposed => "PROPOSED",
        CorrectionState.Approved => "APPROVED",
        CorrectionState.Declined => "DECLINED",
        _ => "UNSPECIFIED",
    };

    public static string State(DisputeState state) => state switch
    {
        DisputeState.Open => "OPEN",
        DisputeState.Resolved => "RESOLVED",
        DisputeState.Rejected => "REJECTED",
        _ => "UNSPECIFIED",
    };

    /// <summary>The word <c>metering corrections propose --reason-code</c> takes: <c>duplicate-report</c>.</summary>
    public static string ReasonWord(CorrectionReason reason) => reason switch
    {
        CorrectionReason.Refund => "refund",
        CorrectionReason.DuplicateReport => "duplicate-report",
        CorrectionReason.MissingUsage => "missing-usage",
        CorrectionReason.PricingError => "pricing-error",
        CorrectionReason.DisputeResolution => "dispute-resolution",
        CorrectionReason.Other => "other",
        _ => "unspecified",
    };

    /// <summary>The wire name without its prefix, for CSV: <c>DUPLICATE_REPORT</c>.</summary>
    public static string ReasonCode(CorrectionReason reason) => ReasonWord(reason).Replace('-', '_').ToUpperInvariant();

    /// <summary>A statement line as <c>--line</c> names it: <c>model</c> (USAGE) or <c>model@YYYY-MM</c> (ADJUSTMENT for that period).</summary>
    public static string Line(StatementLineRef line)
        => line.CorrectsPeriod.Length == 0 ? line.Model : $"{line.Model}@{line.CorrectsPeriod}";

    /// <summary>
    /// A correction's hours: <c>whole month</c> when they are its period's, else
    /// <c>2026-10-05 00:00 to 2026-10-06 00:00 UTC</c>.
    /// </summary>
    public static string Hours(CorrectionInput correction)
    {
        if (correction.FromHour is null || correction.ToHour is null)
        {
            return "whole month";
        }

        var from = correction.FromHour.ToDateTime();
        var to = correction.ToHour.ToDateTime();
        var wholeMonth = from.Day == 1 && from.Hour == 0 && to == from.AddMonths(1)
            && from.ToString("yyyy-MM", CultureInfo.InvariantCulture) == correction.Period;
        return wholeMonth
            ? "whole month"
            : $"{from.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} to {to.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC";
    }

    /// <summary><c>2026-11-27 08:15:02 UTC</c>, or empty for an unset time.</summary>
    public static string Time(Timestamp? time)
        => time is null ? string.Empty : time.ToDateTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>ISO 8601 in UTC (<c>2026-11-27T08:00:00Z</c>), or empty for an unset time; for CSV.</summary>
    public static string IsoTime(Timestamp? time)
        => time is null ? string.Empty : time.ToDateTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary><c>10</c> → <c>10%</c>, <c>12.5</c> → <c>12.5%</c>.</summary>
    public static string Percent(string text) => text + "%";
}
