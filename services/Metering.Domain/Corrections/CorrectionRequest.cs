using Metering.Domain.Settlement;

namespace Metering.Domain.Corrections;

/// <summary>A validated correction to record (<see cref="CorrectionRequestValidator"/>): what, where, why.</summary>
public sealed record CorrectionRequest(
    string HostId,
    string Model,
    YearMonth Period,
    HourRange Range,
    UsageTotals Delta,
    CorrectionReasonCode ReasonCode,
    string Reason);
