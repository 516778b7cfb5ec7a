using Metering.Domain.Settlement;

namespace Metering.Persistence.Corrections;

/// <summary>Why <see cref="CorrectionStore"/> refused a change; maps onto a gRPC status code.</summary>
public enum CorrectionRefusalKind
{
    InvalidArgument,
    NotFound,
    FailedPrecondition,
}

/// <summary>
/// A correction, acknowledgement, dispute or resolution <see cref="CorrectionStore"/> refused, with the field at fault
/// when there is one. Nothing was written.
/// </summary>
public sealed class CorrectionRefusedException : Exception
{
    public CorrectionRefusedException(CorrectionRefusalKind kind, string message, SettlementViolation? violation = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        Violation = violation;
    }

    public CorrectionRefusalKind Kind { get; }

    public SettlementViolation? Violation { get; }

    internal static CorrectionRefusedException NotFound(string message) => new(CorrectionRefusalKind.NotFound, message);

    internal static CorrectionRefusedException Precondition(string message) => new(CorrectionRefusalKind.FailedPrecondition, message);

    internal static CorrectionRefusedException Precondition(SettlementViolation violation)
        => new(CorrectionRefusalKind.FailedPrecondition, $"{violation.Field}: {violation.Description}", violation);

    internal static CorrectionRefusedException Invalid(SettlementViolation violation)
        => new(CorrectionRefusalKind.InvalidArgument, $"{violation.Field}: {violation.Description}", violation);
}
