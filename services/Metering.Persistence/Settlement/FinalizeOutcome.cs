using Metering.Domain.Settlement;

namespace Metering.Persistence.Settlement;

/// <summary>What finalizing did.</summary>
public enum FinalizeOutcomeKind
{
    /// <summary>No statement has that id.</summary>
    NotFound,

    /// <summary>The statement was DRAFT and is now FINAL.</summary>
    Finalized,

    /// <summary>The statement was already FINAL; returned unchanged.</summary>
    AlreadyFinal,

    /// <summary>A rule refused it (see <see cref="FinalizeOutcome.Reason"/>); nothing changed.</summary>
    Rejected,
}

/// <summary>The outcome of finalizing, with the statement as it now is (except for NotFound).</summary>
public sealed record FinalizeOutcome(FinalizeOutcomeKind Kind, Statement? Statement, string? Reason);
