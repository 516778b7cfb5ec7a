namespace Metering.Domain.Corrections;

/// <summary>
/// A correction as a caller sent it, before <see cref="CorrectionRequestValidator"/> checks it. Hours are UTC
/// instants (null when the wire left them unset); <see cref="ReasonCode"/> is null when the wire said UNSPECIFIED or
/// an unknown value.
/// </summary>
public sealed record CorrectionInput(
    string HostId,
    string Model,
    string Period,
    DateTime? FromHour,
    DateTime? ToHour,
    long InputTokens,
    long OutputTokens,
    long Requests,
    long BilledMicros,
    CorrectionReasonCode? ReasonCode,
    string Reason);
