namespace Metering.Domain.Corrections;

/// <summary>Why a correction is made.</summary>
public enum CorrectionReasonCode
{
    Refund,
    DuplicateReport,
    MissingUsage,
    PricingError,
    DisputeResolution,
    Other,
}
