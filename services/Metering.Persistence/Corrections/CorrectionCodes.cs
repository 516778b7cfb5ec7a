using Metering.Domain.Corrections;

namespace Metering.Persistence.Corrections;

/// <summary>The text codes correction and dispute enums are stored as (the CHECK constraints of 0008 list the same).</summary>
internal static class CorrectionCodes
{
    public static string Of(CorrectionState state) => state switch
    {
        CorrectionState.Proposed => "PROPOSED",
        CorrectionState.Approved => "APPROVED",
        CorrectionState.Declined => "DECLINED",
        _ => throw new ArgumentOutOfRangeException(nameof(state)),
    };

    public static CorrectionState State(string code) => code switch
    {
        "PROPOSED" => CorrectionState.Proposed,
        "APPROVED" => CorrectionState.Approved,
        "DECLINED" => CorrectionState.Declined,
        _ => throw new InvalidDataException($"Unknown correction state '{code}'."),
    };

    public static string Of(CorrectionReasonCode code) => code switch
    {
        CorrectionReasonCode.Refund => "REFUND",
        CorrectionReasonCode.DuplicateReport => "DUPLICATE_REPORT",
        CorrectionReasonCode.MissingUsage => "MISSING_USAGE",
        CorrectionReasonCode.PricingError => "PRICING_ERROR",
        CorrectionReasonCode.DisputeResolution => "DISPUTE_RESOLUTION",
        CorrectionReasonCode.Other => "OTHER",
        _ => throw new ArgumentOutOfRangeException(nameof(code)),
    };

    public static CorrectionReasonCode ReasonCode(string code) => code switch
    {
        "REFUND" => CorrectionReasonCode.Refund,
        "DUPLICATE_REPORT" => CorrectionReasonCode.DuplicateReport,
        "MISSING_USAGE" => CorrectionReasonCode.MissingUsage,
        "PRICING_ERROR" => CorrectionReasonCode.PricingError,
        "DISPUTE_RESOLUTION" => CorrectionReasonCode.DisputeResolution,
        "OTHER" => CorrectionReasonCode.Other,
        _ => throw new InvalidDataException($"Unknown correction reason code '{code}'."),
    };

    public static string Of(Corrections.DisputeState state) => state switch
    {
        Corrections.DisputeState.Open => "OPEN",
        Corrections.DisputeState.Resolved => "RESOLVED",
        Corrections.DisputeState.Rejected => "REJECTED",
        _ => throw new ArgumentOutOfRangeException(nameof(state)),
    };

    public static Corrections.DisputeState DisputeState(string code) => code switch
    {
        "OPEN" => Corrections.DisputeState.Open,
        "RESOLVED" => Corrections.DisputeState.Resolved,
        "REJECTED" => Corrections.DisputeState.Rejected,
        _ => throw new InvalidDataException($"Unknown dispute state '{code}'."),
    };
}
