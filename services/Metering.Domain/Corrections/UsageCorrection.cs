using Metering.Domain.Settlement;

namespace Metering.Domain.Corrections;

/// <summary>
/// A stored usage correction: signed <see cref="Delta"/> added to the usage of (<see cref="HostId"/>,
/// <see cref="Model"/>) over <see cref="Range"/>, inside <see cref="Period"/>. It counts only once
/// <see cref="CorrectionState.Approved"/>. Who proposed and who decided are API key ids (never secrets) and roles.
/// </summary>
public sealed record UsageCorrection(
    string CorrectionId,
    string HostId,
    string Model,
    YearMonth Period,
    HourRange Range,
    UsageTotals Delta,
    CorrectionReasonCode ReasonCode,
    string Reason,
    CorrectionState State,
    DateTime ProposedAt,
    string ProposedByKeyId,
    string ProposedByRole,
    DateTime? DecidedAt,
    string? DecidedByKeyId,
    string? DecidedByRole,
    string? DecisionReason);
