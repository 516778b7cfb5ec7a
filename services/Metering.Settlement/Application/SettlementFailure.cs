using Metering.Domain.Settlement;

namespace Metering.Settlement.Application;

/// <summary>A settlement operation refused, with the fields at fault when there are any.</summary>
internal sealed class SettlementFailure : Exception
{
    public SettlementFailure(SettlementFailureKind kind, string message, IReadOnlyList<SettlementViolation>? violations = null)
        : base(message)
    {
        Kind = kind;
        Violations = violations ?? [];
    }

    public SettlementFailureKind Kind { get; }

    public IReadOnlyList<SettlementViolation> Violations { get; }

    public static SettlementFailure Invalid(string field, string reason, string description)
        => new(SettlementFailureKind.InvalidArgument, $"{field}: {description}", [new SettlementViolation(field, reason, description)]);

    public static SettlementFailure Invalid(IReadOnlyList<SettlementViolation> violations)
        => new(SettlementFailureKind.InvalidArgument, string.Join("; ", violations.Select(v => $"{v.Field}: {v.Description}")), violations);

    public static SettlementFailure NotFound(string message) => new(SettlementFailureKind.NotFound, message);

    public static SettlementFailure Precondition(string message) => new(SettlementFailureKind.FailedPrecondition, message);

    public static SettlementFailure Precondition(SettlementViolation violation)
        => new(SettlementFailureKind.FailedPrecondition, $"{violation.Field}: {violation.Description}", [violation]);
}
