namespace Metering.Domain.Corrections;

/// <summary>Lifecycle of a usage correction: PROPOSED becomes APPROVED or DECLINED, once. Only APPROVED counts.</summary>
public enum CorrectionState
{
    Proposed,
    Approved,
    Declined,
}
